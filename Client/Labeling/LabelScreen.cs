using System.Globalization;
using DistGen.Training.Rlhf;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DistGen.Client.Labeling;

/// <summary>
/// One screen of the labelling console: progress, the request's context (dim) and verse opening (bold), the completions
/// not ranked yet side by side under their numbers, the ranking so far, the keys, and a hint after a key that did nothing.
/// Request text is shown as <see cref="Text"/>, never as markup, so brackets in a verse stay brackets.
/// </summary>
public static class LabelScreen
{
    private static readonly Style Dim = new(decoration: Decoration.Dim);
    private static readonly Style Bold = new(decoration: Decoration.Bold);

    /// <summary>Shows request <paramref name="index"/> of <paramref name="source"/> with the picks of <paramref name="ranking"/>.</summary>
    public static void Show(IAnsiConsole console, ILabelSource source, int index, PartialRanking ranking, string? hint)
    {
        var request = source.Requests[index];
        console.Clear(home: true);
        console.Write(Progress(source, index));
        console.WriteLine();
        console.Write(new Paragraph().Append(request.Context, Dim).Append(request.Prompt, Bold).Append("…", Dim));
        console.WriteLine();
        console.WriteLine();
        console.Write(Candidates(request, ranking));
        console.Write(Ranked(request, ranking));
        console.Write(new Text($"keys: 1-{request.Completions.Count} rank, best first · Backspace take back · u undo · s skip · q quit", Dim));
        console.WriteLine();
        if (hint is not null) console.Write(new Text(hint, new Style(Color.Yellow)));
        console.WriteLine();
    }

    private static Text Progress(ILabelSource source, int index)
    {
        var answers = source.Answers;
        int total = source.Requests.Count;
        return new Text(FormattableString.Invariant(
            $"{source.Name}  request {source.Requests[index].Id} ({index + 1} of {total})  ·  ranked {answers.RankedCount} / skipped {answers.SkippedCount} / total {total}"), Bold);
    }

    private static Table Candidates(LabelRequest request, PartialRanking ranking)
    {
        var table = new Table().Expand().Border(TableBorder.Rounded);
        var left = ranking.Remaining.ToList();
        foreach (int i in left) table.AddColumn(new TableColumn(new Text((i + 1).ToString(CultureInfo.InvariantCulture), Bold)));
        table.AddRow(left.Select(i => (IRenderable)new Text(request.Completions[i])).ToArray());
        return table;
    }

    private static IRenderable Ranked(LabelRequest request, PartialRanking ranking)
    {
        if (ranking.Picked.Count == 0) return new Text("ranking, best first: (press the best completion's number)\n", Dim);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        for (int place = 0; place < ranking.Picked.Count; place++)
        {
            int completion = ranking.Picked[place];
            grid.AddRow(new Text($"{Ordinal(place + 1)}  [{completion + 1}]", Bold), new Text(request.Completions[completion]));
        }
        return new Rows(new Text("ranking, best first:", Dim), grid, Text.Empty);
    }

    private static string Ordinal(int place) => place switch
    {
        1 => "1st",
        2 => "2nd",
        3 => "3rd",
        _ => FormattableString.Invariant($"{place}th"),
    };
}
