namespace DistGen.Client.Connection;

/// <summary>The connection flags or variables are malformed: commands exit with code 2 and print the message.</summary>
public sealed class ConnectionSettingsException(string message) : Exception(message);
