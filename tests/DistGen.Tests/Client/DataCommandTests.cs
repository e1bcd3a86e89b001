using DistGen.Client;
using DistGen.Client.Commands;
using DistGen.Training.Data;

namespace DistGen.Tests.Client;

public sealed class DataCommandTests
{
    private static readonly DataCache Cache = new(Path.Combine(Path.GetTempPath(), "distgen-data-command-unused"));

    [Fact]
    public async Task A_fetch_that_fails_exits_1_with_one_line_naming_the_data_set_and_the_cause()
    {
        var errors = new StringWriter();
        Task Failing(string name, DataCache cache, TextWriter log, CancellationToken ct) =>
            throw new DataFetchException("apt-get download bible-kjv-text failed (exit 100): E: Unable to locate package bible-kjv-text. run `sudo apt-get update`");

        int exit = await DataCommand.GetAsync("kjv", Cache, Failing, TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(ExitCodes.JobFailed, exit);
        var message = errors.ToString().TrimEnd();
        Assert.StartsWith("could not fetch kjv: apt-get download bible-kjv-text failed", message);
        Assert.Contains("sudo apt-get update", message);
        Assert.DoesNotContain("   at ", message);
    }

    [Fact]
    public async Task An_unknown_data_set_exits_2_listing_the_known_ones_without_fetching()
    {
        var errors = new StringWriter();
        bool fetched = false;
        Task Fetch(string name, DataCache cache, TextWriter log, CancellationToken ct)
        {
            fetched = true;
            return Task.CompletedTask;
        }

        int exit = await DataCommand.GetAsync("imagenet", Cache, Fetch, TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.False(fetched);
        Assert.Contains("unknown data set 'imagenet'; known: ", errors.ToString());
        Assert.Contains("kjv", errors.ToString());
    }
}
