namespace DistGen.Grains.DataPlane;

/// <summary>What a stored tensor is: a job's parameters of a version, a worker's gradients of a round, ...</summary>
[GenerateSerializer, Immutable]
public readonly record struct TensorKey(
    [property: Id(0)] string Job,
    [property: Id(1)] string Kind,
    [property: Id(2)] long Version,
    [property: Id(3)] string Sender)
{
    public const string Parameters = "parameters";
    public const string Gradients = "gradients";

    public static TensorKey ParametersOf(string job, long version) => new(job, Parameters, version, "");

    public static TensorKey GradientsOf(string job, long round, string sender) => new(job, Gradients, round, sender);

    /// <summary>The sum of a gradient group's gradients of a round, pushed by the group's lead.</summary>
    public static TensorKey GroupGradientsOf(string job, long round, int group) => new(job, Gradients, round, $"group-{group}");

    public override string ToString() => $"{Job}/{Kind}/{Version}/{(Sender.Length == 0 ? "-" : Sender)}";
}
