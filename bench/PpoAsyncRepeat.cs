using System.Diagnostics;
using System.Text.Json;

namespace DistGen.Bench;

/// <summary>
/// Does the async PPO example finish every time? It once failed 3 runs in 9 with libtorch's "Unknown scalar type" (a
/// temporary Scalar freed by the collector mid-call). This runs the example exactly as a user does, <c>distgen run
/// examples/ppo-cartpole-async.json</c>, in a new process each time, 10 times in a row, and reports each run's exit code,
/// final mean return and time. The console must have been built (<c>dotnet build DistGen.sln -c Release</c>).
/// </summary>
public static class PpoAsyncRepeat
{
    private const int Runs = 10;
    private const string Example = "examples/ppo-cartpole-async.json";

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        // The console built beside this bench: same configuration and target framework folders (bin/Release/net10.0).
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var console = Path.Combine(root, "Client", "bin", framework.Parent!.Name, framework.Name, "distgen.dll");
        if (!File.Exists(console)) throw new FileNotFoundException($"build the console first (dotnet build DistGen.sln -c Release): {console} is missing");
        var scratch = Directory.CreateTempSubdirectory("distgen-ppo-repeat-");
        var rows = new List<string>();
        var failures = 0;
        try
        {
            for (int run = 1; run <= Runs; run++)
            {
                var folder = Path.Combine(scratch.FullName, $"run-{run}");
                var (exit, seconds, tail) = await RunConsoleAsync(root, console, folder);
                var summary = Path.Combine(folder, "summary.json");
                var meanReturn = exit == 0 && File.Exists(summary) ? MeanReturn(summary) : double.NaN;
                if (exit != 0) failures++;
                rows.Add($"| {run} | {exit} | {(double.IsNaN(meanReturn) ? "-" : meanReturn.ToString("F1"))} | {seconds:F0} | {(exit == 0 ? "" : tail)} |");
                Console.Error.WriteLine($"  ppo-async-repeat: run {run} exit {exit} mean return {meanReturn:F1} in {seconds:F0} s");
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
        return
        [
            $"`distgen run {Example}` (embedded silo, 2 rollout actors, async with policy lag at most 2, 100k env steps, 1 libtorch " +
            $"thread), {Runs} times in a row, each in a new process. " +
            "Mean return is `mean_return_last_100` of the run's summary.json (CartPole-v1's maximum is 500).",
            "",
            "| run | exit code | mean return (last 100 episodes) | seconds | error |",
            "| ---: | ---: | ---: | ---: | --- |",
            .. rows,
            "",
            $"{Runs - failures} of {Runs} runs succeeded.",
        ];
    }

    private static async Task<(int Exit, double Seconds, string Tail)> RunConsoleAsync(string root, string console, string folder)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { console, "run", Example, "--out", folder }) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = ((await output) + (await error)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (process.ExitCode, clock.Elapsed.TotalSeconds, string.Join(" / ", lines.TakeLast(2)).Replace("|", "\\|"));
    }

    private static double MeanReturn(string summaryPath)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        return summary.RootElement.GetProperty("figures").GetProperty("mean_return_last_100").GetDouble();
    }
}
