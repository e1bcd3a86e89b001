namespace DistGen.Contracts.Security;

/// <summary>
/// What a client's certificate lets it do through a gateway of a TLS cluster: a viewer reads (status, list, watch, fetch,
/// the cluster's silos), an operator also submits and cancels. Each client-callable method names the least role it
/// needs; Grains/Security/ClientApiFilter.cs enforces it on the silos.
/// </summary>
public enum ClientRole
{
    Viewer = 0,
    Operator = 1,
}
