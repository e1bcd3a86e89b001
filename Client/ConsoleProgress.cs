using System.Globalization;
using DistGen.Training.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DistGen.Client;

/// <summary>
/// The console's one progress renderer, for <c>distgen run</c> (embedded or <c>--reference</c>) and <c>distgen watch</c>.
/// It is fed <see cref="TrainingProgress"/> reports: a local trainer sends them, watch turns each polled job status into
/// one. On a terminal it is a live Spectre.Console display (unit with step/total and the latest metrics, bar, percent,
/// remaining time). When output is redirected, NO_COLOR is set or the console is not interactive, it prints a plain line
/// whenever progress enters the next 5 %, and the last report when the work ends, since scripts and tests read stdout.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int MaxMetrics = 6;
    private readonly string _unit;
    private readonly TextWriter? _lines;
    private readonly ProgressTask? _bar;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Lock _gate = new();
    private (long Step, long Timestamp)? _first;
    private TrainingProgress? _last;
    private long _lastTimestamp;
    private long _printedTwentieth = -1;
    private long _printedStep = -1;

    /// <summary>
    /// Plain lines written to <paramref name="lines"/>, as redirected output gets them. <paramref name="unit"/> is what a
    /// step is called on the line: "step" for a trainer, "round" for a cluster job; <paramref name="time"/> the clock.
    /// </summary>
    public ConsoleProgress(string unit, TextWriter lines, TimeProvider? time = null) : this(unit, lines, null, time) { }

    private ConsoleProgress(string unit, TextWriter? lines, ProgressTask? bar, TimeProvider? time)
    {
        _unit = unit;
        _lines = lines;
        _bar = bar;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    /// <summary>Whether this console gets the live display rather than plain lines.</summary>
    private static bool IsLive =>
        !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && AnsiConsole.Profile.Capabilities is { Interactive: true, Ansi: true };

    /// <summary>Shows the progress <paramref name="work"/> reports until it returns or throws, then ends the display.</summary>
    public static async Task<T> ShowAsync<T>(string unit, Func<ConsoleProgress, Task<T>> work)
    {
        if (!IsLive) return await RunAsync(new ConsoleProgress(unit, Console.Out), work);
        ConsoleProgress? live = null;
        var display = AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new RemainingColumn(() => live?.Remaining()), new SpinnerColumn());
        return await display.StartAsync(context =>
        {
            live = new ConsoleProgress(unit, null, context.AddTask(unit, maxValue: 1), null);
            return RunAsync(live, work);
        });
    }

    /// <inheritdoc cref="ShowAsync{T}"/>
    public static T Show<T>(string unit, Func<ConsoleProgress, T> work) =>
        ShowAsync(unit, progress => Task.FromResult(work(progress))).GetAwaiter().GetResult();

    private static async Task<T> RunAsync<T>(ConsoleProgress progress, Func<ConsoleProgress, Task<T>> work)
    {
        try
        {
            return await work(progress);
        }
        finally
        {
            progress.Complete();
        }
    }

    public void Report(TrainingProgress value)
    {
        lock (_gate)
        {
            _lastTimestamp = _time.GetTimestamp();
            _first ??= (value.Step, _lastTimestamp);
            _last = value;
            if (_bar is not null)
            {
                _bar.MaxValue = Math.Max(1, value.TotalSteps);
                _bar.Value = value.Step;
                _bar.Description = Markup.Escape(Describe(value));
                return;
            }
            long twentieth = Parts(value, 20);
            if (twentieth != _printedTwentieth) Print(value);
            _printedTwentieth = twentieth;
        }
    }

    /// <summary>
    /// Says something that is not a step (e.g. that a job waits for labels): a plain line, or on the live display the bar's
    /// text until the next report.
    /// </summary>
    public void Note(string note)
    {
        lock (_gate)
        {
            if (_bar is not null) _bar.Description = Markup.Escape(_last is { } last ? $"{Head(last)}  {note}" : note);
            else _lines!.WriteLine(note);
        }
    }

    /// <summary>Ends the display: the live bar stops; plain output gets the last report if its line was not printed yet.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_bar is not null) _bar.StopTask();
            else if (_last is { } last && last.Step != _printedStep) Print(last);
        }
    }

    private void Print(TrainingProgress value)
    {
        var percent = Parts(value, 100).ToString(CultureInfo.InvariantCulture);
        var elapsed = _time.GetElapsedTime(_started, _lastTimestamp);
        var eta = Remaining() is { } remaining ? Clock(remaining) : "--:--:--";
        _lines!.WriteLine(string.Join("  ", [$"{Head(value)} ({percent}%)", .. Metrics(value), $"elapsed {Clock(elapsed)}", $"eta {eta}"]));
        _printedStep = value.Step;
    }

    private string Describe(TrainingProgress value) => string.Join("  ", [Head(value), .. Metrics(value)]);

    private string Head(TrainingProgress value) => $"{_unit} {value.Step}/{value.TotalSteps}";

    private static IEnumerable<string> Metrics(TrainingProgress value) =>
        value.Metrics.Where(kv => double.IsFinite(kv.Value)).Take(MaxMetrics)
            .Select(kv => $"{kv.Key} {kv.Value.ToString(Math.Abs(kv.Value) >= 1000 ? "F0" : "G4", CultureInfo.InvariantCulture)}");

    /// <summary>Time left at the rate since the first report, so a watch that starts midway does not count earlier steps.</summary>
    private TimeSpan? Remaining()
    {
        lock (_gate)
        {
            if (_last is not { } last || _first is not { } first) return null;
            if (last.Step >= last.TotalSteps) return TimeSpan.Zero;
            long done = last.Step - first.Step;
            var took = _time.GetElapsedTime(first.Timestamp, _lastTimestamp);
            if (done <= 0 || took <= TimeSpan.Zero) return null;
            return took * ((double)(last.TotalSteps - last.Step) / done);
        }
    }

    /// <summary>How many of <paramref name="parts"/> equal parts of the work are done, in whole numbers so 5 % steps are exact.</summary>
    private static long Parts(TrainingProgress value, long parts) =>
        value.TotalSteps > 0 ? Math.Clamp(value.Step, 0, value.TotalSteps) * parts / value.TotalSteps : 0;

    private static string Clock(TimeSpan span) =>
        $"{(long)span.TotalHours:00}:{span.Minutes:00}:{span.Seconds:00}";

    /// <summary>The live display's remaining time, from the same estimate as the plain lines.</summary>
    private sealed class RemainingColumn(Func<TimeSpan?> remaining) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(remaining() is { } eta ? Clock(eta) : "--:--:--", new Style(Color.Blue));
    }
}
