namespace DistGen.Training.Rlhf;

/// <summary>
/// One prompt: <paramref name="Context"/> + <paramref name="Opening"/> is what the model sees (always the prompt length),
/// the opening words of a held-out verse after the end of the text before it.
/// </summary>
public sealed record RlhfPrompt(int Index, string Context, string Opening)
{
    public string Text => Context + Opening;
}
