using System.CommandLine;
using System.Globalization;
using DistGen.Client.Connection;
using DistGen.Client.Labeling;
using DistGen.Contracts.Jobs;
using DistGen.Training.Rlhf;
using Spectre.Console;

namespace DistGen.Client.Commands;

/// <summary>What <c>distgen label</c> was asked to do.</summary>
/// <param name="Requests">The requests file, or the id of a cluster job waiting for labels.</param>
/// <param name="Answers">The answers file; null for the default beside the requests.</param>
/// <param name="Auto">A preference rule: a synthetic labeler ranks instead of a person.</param>
/// <param name="Tau">The synthetic labeler's noise temperature; null for the default.</param>
/// <param name="Seed">The synthetic labeler's seed; null for the default.</param>
public sealed record LabelArguments(string Requests, string? Answers = null, string? Auto = null, double? Tau = null, long? Seed = null);

/// <summary>
/// <c>distgen label REQUESTS.jsonl [--answers FILE]</c>: a person ranks the completions of RLHF label requests with keys;
/// with <c>--auto RULE [--tau T] [--seed S]</c> a synthetic labeler ranks every unanswered request instead. Either way
/// answers are appended to the answers file, which is never rewritten. <c>distgen label JOB-ID</c> does the same for a
/// cluster job waiting for labels (<see cref="JobLabelSource"/>): its requests come from the job and every answer goes
/// back to it, into its run folder; the job goes on when every request is answered.
/// </summary>
public static class LabelCommand
{
    public const double DefaultTau = 0.25;
    public const long DefaultSeed = 1;

    public static Command Create()
    {
        var requests = new Argument<string>("requests") { Description = "Requests file (JSON Lines: one request with 2 to 4 completions a line), or the id of a cluster job waiting for labels." };
        var answers = new Option<string?>("--answers") { Description = "Answers file, appended to (JSON Lines). Default: the requests file's name with .answers.jsonl replacing .jsonl." };
        var auto = new Option<string?>("--auto") { Description = $"Rank every unanswered request with a synthetic labeler following this rule instead of asking a person: {string.Join(", ", PreferenceRules.Names)}." };
        var tau = new Option<double?>("--tau") { Description = FormattableString.Invariant($"Noise of --auto: P(a over b) = sigmoid((s_a - s_b) / tau); 0 ranks by the rule alone. Default {DefaultTau}.") };
        var seed = new Option<long?>("--seed") { Description = $"Seed of --auto's noise. Default {DefaultSeed}." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("label",
            "Rank the completions of RLHF label requests, from a file or from a cluster job waiting for labels: a person with keys (1-4 best first, Backspace, u undo, s skip, q quit; run again to resume), or --auto.")
        {
            requests, answers, auto, tau, seed,
        });
        command.SetAction(async (parse, cancel) =>
        {
            var arguments = new LabelArguments(parse.GetValue(requests)!, parse.GetValue(answers), parse.GetValue(auto), parse.GetValue(tau), parse.GetValue(seed));
            // Off the calling thread: System.CommandLine starts listening for Ctrl+C only once the action has returned its task.
            await Task.Yield();
            if (!NamesJob(arguments.Requests)) return await RunAsync(arguments, AnsiConsole.Console, Console.Out, Console.Error, cancel);
            return await ClusterSession.RunAsync(parse, connection,
                (cluster, ct) => RunOnJobAsync(arguments, cluster.GrainFactory, AnsiConsole.Console, Console.Out, Console.Error, ct), cancel);
        });
        return command;
    }

    /// <summary>Whether <paramref name="requests"/> names a cluster job rather than a requests file: a plain name that is no file here.</summary>
    public static bool NamesJob(string requests) =>
        !File.Exists(requests) && PlainNames.IsPlain(requests) && !requests.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Labels the requests of job <paramref name="arguments"/>.Requests, which must be waiting for labels; as
    /// <see cref="RunAsync"/> otherwise. The job goes on once every request has an answer.
    /// </summary>
    public static async Task<int> RunOnJobAsync(LabelArguments arguments, IGrainFactory grains, IAnsiConsole console, TextWriter output, TextWriter errors,
        CancellationToken cancel)
    {
        var jobId = arguments.Requests;
        if (arguments.Answers is not null)
        {
            errors.WriteLine($"--answers names an answers file, and a job keeps its answers in its run folder; leave it out with a job id ({jobId})");
            return ExitCodes.BadInput;
        }
        if (Prepare(arguments, console, errors) is not { } prepared) return ExitCodes.BadInput;
        if (await JobCommands.FindAsync(grains, jobId, cancel) is not { } status)
        {
            errors.WriteLine($"no job '{jobId}' in this cluster, and no file of that name here; give a requests file or the id of a job (distgen list)");
            return ExitCodes.BadInput;
        }
        if (await JobLabelSource.OpenAsync(grains, jobId) is not { } source)
        {
            errors.WriteLine($"job {jobId} is not waiting for labels ({status.StateName}, round {status.Round}/{status.TotalRounds}); " +
                "an RLHF job with training.labels.labeler \"person\" waits for them after sampling each iteration's comparisons (distgen watch shows when)");
            return ExitCodes.BadInput;
        }
        try
        {
            return await LabelAsync(source, prepared.Labeler, console, output, cancel);
        }
        catch (InvalidOperationException e)
        {
            // The job stopped waiting meanwhile (another session answered the rest, or it was cancelled).
            errors.WriteLine($"{e.Message}; every answer before it is kept");
            return ExitCodes.JobFailed;
        }
        catch (ArgumentException e)
        {
            // The job refused an answer (its requests changed under this session): nothing of it was recorded.
            errors.WriteLine($"the job refused an answer: {e.Message}; every answer before it is kept, and distgen label {jobId} resumes");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>
    /// Runs the command. A person labels on <paramref name="console"/> (keys from its input); --auto reports to
    /// <paramref name="output"/>; problems go to <paramref name="errors"/>, one line each.
    /// </summary>
    public static async Task<int> RunAsync(LabelArguments arguments, IAnsiConsole console, TextWriter output, TextWriter errors, CancellationToken cancel)
    {
        if (Prepare(arguments, console, errors) is not { } prepared) return ExitCodes.BadInput;
        try
        {
            using var source = LabelFileSource.Open(arguments.Requests, arguments.Answers);
            return await LabelAsync(source, prepared.Labeler, console, output, cancel);
        }
        catch (LabelSessionBusyException e)
        {
            errors.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        catch (LabelFileException e)
        {
            errors.WriteLine(WhatToDo(e, arguments));
            return ExitCodes.BadInput;
        }
        catch (ArgumentException e)
        {
            errors.WriteLine(e.Message);
            return ExitCodes.BadInput;
        }
        catch (IOException e)
        {
            errors.WriteLine($"could not write an answer ({e.Message}); every answer before it is kept, and the same command resumes");
            return ExitCodes.JobFailed;
        }
    }

    /// <summary>Who ranks: the synthetic labeler of --auto, or a person (null).</summary>
    private sealed record Ranker(SyntheticLabeler? Labeler);

    // Who ranks, or null with the problem written when the arguments cannot work.
    private static Ranker? Prepare(LabelArguments arguments, IAnsiConsole console, TextWriter errors)
    {
        SyntheticLabeler? labeler;
        try
        {
            labeler = SyntheticLabelerOf(arguments);
        }
        catch (ArgumentException e)
        {
            errors.WriteLine(e.Message);
            return null;
        }
        if (labeler is null && !console.Profile.Capabilities.Interactive)
        {
            errors.WriteLine("distgen label reads a person's keys from a terminal, and this console is not one (input redirected?); run it in a terminal, or rank with --auto RULE");
            return null;
        }
        return new Ranker(labeler);
    }

    private static async Task<int> LabelAsync(ILabelSource source, SyntheticLabeler? labeler, IAnsiConsole console, TextWriter output, CancellationToken cancel)
    {
        if (labeler is not null) return await RankAutomaticallyAsync(output, source, labeler, cancel);
        await new LabelConsole(console, source).RunAsync(cancel);
        return ExitCodes.Success;
    }

    private static SyntheticLabeler? SyntheticLabelerOf(LabelArguments arguments)
    {
        if (arguments.Auto is null)
        {
            if (arguments.Tau is not null || arguments.Seed is not null)
                throw new ArgumentException("--tau and --seed set the synthetic labeler of --auto; give --auto RULE too, or leave them out");
            return null;
        }
        var rule = PreferenceRules.Named(arguments.Auto);
        double tau = arguments.Tau ?? DefaultTau;
        if (!(tau >= 0) || double.IsInfinity(tau))
            throw new ArgumentException(FormattableString.Invariant($"--tau {tau}: the noise temperature must be a finite number >= 0"));
        return new SyntheticLabeler(rule, tau, arguments.Seed ?? DefaultSeed);
    }

    private static async Task<int> RankAutomaticallyAsync(TextWriter output, ILabelSource source, SyntheticLabeler labeler, CancellationToken cancel)
    {
        int ranked;
        try
        {
            ranked = await SyntheticLabeling.RankUnansweredAsync(source, labeler, cancel);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine($"stopped; the answers given are in {source.AnswersLocation}, and the same command ranks the rest");
            return ExitCodes.JobFailed;
        }
        var answers = source.Answers;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ranked {ranked} request(s) with {labeler.Signature}; {answers.RankedCount + answers.SkippedCount} of {source.Requests.Count} answered ({answers.RankedCount} ranked, {answers.SkippedCount} skipped), in {source.AnswersLocation}"));
        return ExitCodes.Success;
    }

    private static string WhatToDo(LabelFileException e, LabelArguments arguments)
    {
        if (e.Path != arguments.Requests)
            return e.Line == 0
                ? $"{e.Message}; check the answers file's path and permissions"
                : $"{e.Message}; fix that line of the answers file and run the command again (distgen left the file as it was)";
        return e.Line == 0
            ? $"{e.Message}; give the path of a requests file holding at least one request"
            : $"{e.Message}; fix that line of the requests file and run the command again (no answer was written)";
    }
}
