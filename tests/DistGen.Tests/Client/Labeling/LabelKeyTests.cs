using DistGen.Client.Labeling;

namespace DistGen.Tests.Client.Labeling;

public sealed class LabelKeyTests
{
    [Theory]
    [InlineData('1', ConsoleKey.D1, LabelKeyKind.Completion, 1)]
    [InlineData('4', ConsoleKey.NumPad4, LabelKeyKind.Completion, 4)]
    [InlineData('\b', ConsoleKey.Backspace, LabelKeyKind.TakeBack, 0)]
    [InlineData('\x7f', ConsoleKey.Delete, LabelKeyKind.TakeBack, 0)]
    [InlineData('u', ConsoleKey.U, LabelKeyKind.Undo, 0)]
    [InlineData('S', ConsoleKey.S, LabelKeyKind.Skip, 0)]
    [InlineData('q', ConsoleKey.Q, LabelKeyKind.Quit, 0)]
    [InlineData('x', ConsoleKey.X, LabelKeyKind.Other, 0)]
    [InlineData('\r', ConsoleKey.Enter, LabelKeyKind.Other, 0)]
    public void Keys_are_read_by_their_character(char character, ConsoleKey key, LabelKeyKind kind, int number) =>
        Assert.Equal(new LabelKey(kind, number), LabelKey.From(new ConsoleKeyInfo(character, key, shift: false, alt: false, control: false)));
}
