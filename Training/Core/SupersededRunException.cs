namespace DistGen.Training.Core;

/// <summary>A writer found that its run was taken over by another writer; it stops without writing.</summary>
public sealed class SupersededRunException(string message) : Exception(message);
