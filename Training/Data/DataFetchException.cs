namespace DistGen.Training.Data;

/// <summary>Fetching a data set failed; the message names the tool, package or step and, where there is one, the fix.</summary>
public sealed class DataFetchException(string message, Exception? inner = null) : Exception(message, inner);
