namespace DistGen.Client.Labeling;

/// <summary>What a key means on the labelling screen.</summary>
public enum LabelKeyKind
{
    Other,
    Completion,
    TakeBack,
    Undo,
    Skip,
    Quit,
}

/// <summary>
/// A key press read as a labelling command. Read by character, not <see cref="ConsoleKey"/>, so the number row, the keypad
/// and any keyboard layout agree; letters in either case (caps lock should not turn keys into hints).
/// </summary>
/// <param name="Kind">What the key asks for.</param>
/// <param name="Number">For <see cref="LabelKeyKind.Completion"/>, the number pressed (1-based, as on screen).</param>
public readonly record struct LabelKey(LabelKeyKind Kind, int Number = 0)
{
    public static LabelKey From(ConsoleKeyInfo key)
    {
        if (key.Key == ConsoleKey.Backspace || key.KeyChar is '\b' or '\x7f') return new(LabelKeyKind.TakeBack);
        if (char.IsAsciiDigit(key.KeyChar)) return new(LabelKeyKind.Completion, key.KeyChar - '0');
        return char.ToLowerInvariant(key.KeyChar) switch
        {
            'u' => new(LabelKeyKind.Undo),
            's' => new(LabelKeyKind.Skip),
            'q' => new(LabelKeyKind.Quit),
            _ => new(LabelKeyKind.Other),
        };
    }
}
