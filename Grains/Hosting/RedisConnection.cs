namespace DistGen.Grains.Hosting;

/// <summary>
/// How a silo reaches Redis: the StackExchange.Redis connection string (<c>host:port,password=...,ssl=true</c>) and, for
/// TLS with a certificate the machine does not trust, the PEM file of the CA that issued it (Cluster:RedisAuthority).
/// </summary>
public sealed record RedisConnection(string ConnectionString, string? Authority);
