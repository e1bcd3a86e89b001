using System.ComponentModel;
using System.Diagnostics;

namespace DistGen.Training.Data;

/// <summary>Runs a command-line tool (no shell) and collects its exit code and output; a missing tool is a clear error.</summary>
internal static class ExternalTool
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        /// <summary>The error output, or the standard output when the tool said nothing on stderr, trimmed for a message.</summary>
        public string Complaint
        {
            get
            {
                var text = (string.IsNullOrWhiteSpace(Errors) ? Output : Errors).Trim();
                return text.Length <= 2000 ? text : text[..2000] + "...";
            }
        }
    }

    public static async Task<Result> RunAsync(string tool, IEnumerable<string> arguments, string workingDirectory, string installHint,
        CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new DataFetchException($"cannot run '{tool}' ({e.Message}); {installHint}", e);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
            return new Result(process.ExitCode, await output, await errors);
        }
        catch (OperationCanceledException)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
