namespace DistGen.Grains.Security.Tls;

/// <summary>A certificate or key file that cannot serve: missing, unreadable, not a match, or not issued by the cluster's CA.</summary>
public sealed class ClusterCertificateException(string message, Exception? inner = null) : Exception(message, inner);
