namespace DistGen.Grains.DataPlane;

/// <summary>A chunk stream that does not describe one whole, intact tensor; the message names the problem.</summary>
public sealed class MalformedTensorStreamException(string message) : Exception(message);
