using System.Text.RegularExpressions;
using DistGen.Tests.Training.Specs;
using Xunit.Abstractions;

namespace DistGen.Tests.Training.TorchSafety;

/// <summary>
/// Keeps the training path free of Scalars whose lifetime the GC decides (see Training/Core/Scalars.cs): checked on the
/// compiled code, so a conversion hidden in an operator or inside a TorchSharp method is found too.
/// </summary>
public sealed partial class ScalarLifetimeTests(ITestOutputHelper output)
{
    private const string ScalarOwner = "DistGen.Training.Core.Scalars";
    private static readonly Lazy<ScalarTemporaries> Analysis = new(() => new ScalarTemporaries(IlCalls.Read(typeof(TorchSharp.Scalar).Assembly.Location)));

    [Theory]
    [InlineData("DistGen.Training")]
    [InlineData("DistGen.Grains")]
    public void Training_and_grain_code_makes_no_Scalar_whose_lifetime_the_GC_decides(string assembly)
    {
        var code = IlCalls.Read(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        var findings = Analysis.Value.Find(code, ScalarOwner);
        foreach (var finding in findings) output.WriteLine(finding);
        Assert.True(findings.Count == 0, $"{findings.Count} places make temporary Scalars:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void The_check_finds_a_double_passed_where_a_Scalar_is_expected_and_TorchSharps_own_temporaries()
    {
        // This test assembly is not held to the rule: it must be seen breaking it, or the check could never fail.
        var findings = Analysis.Value.Find(IlCalls.Read(typeof(ScalarLifetimeTests).Assembly.Location), ScalarOwner);
        Assert.Contains(findings, f => f.Contains(nameof(KnownViolations)) && f.Contains("makes a temporary Scalar (op_Implicit)"));
        Assert.Contains(findings, f => f.Contains(nameof(KnownViolations)) && f.Contains("op_Addition"));
        Assert.Contains(findings, f => f.Contains("TorchSharp.Modules.Adam, whose step"));
    }

    [Fact]
    public void The_check_finds_library_temporaries_beside_a_disposed_Scalar_and_unsafe_methods_a_type_inherits()
    {
        // The test assembly plays the library too (PlantedLibrary, PlantedBase), so the planted shapes need not exist in TorchSharp.
        var assembly = IlCalls.Read(typeof(ScalarLifetimeTests).Assembly.Location);
        var findings = new ScalarTemporaries(assembly).Find(assembly, ScalarOwner);
        foreach (var finding in findings.Where(f => f.Contains("Planted"))) output.WriteLine(finding);

        // Disposing one Scalar vouches for no other: not a second one made beside it, not one handed in.
        Assert.Contains(findings, f => f.StartsWith(Caller(nameof(KnownViolations.CallsALibraryThatDisposesOneOfTwo)), StringComparison.Ordinal)
            && f.Contains(nameof(PlantedLibrary.DisposesOneOfTwo)));
        Assert.Contains(findings, f => f.StartsWith(Caller(nameof(KnownViolations.CallsALibraryThatDisposesAScalarHandedIn)), StringComparison.Ordinal)
            && f.Contains(nameof(PlantedLibrary.DisposesAScalarHandedIn)));
        // A type that inherits an unsafe virtual method runs it; one that overrides it with a safe one does not.
        Assert.Contains(findings, f => f.Contains($"builds a {Planted<PlantedInheritor>()}, whose {nameof(PlantedBase.Step)}"));
        // What must stay clean, or the check could pass by flagging everything: a library Scalar owned to the end by
        // `using`, and a safe override.
        Assert.DoesNotContain(findings, f => f.StartsWith(Caller(nameof(KnownViolations.CallsALibraryThatOwnsItsScalar)), StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains($"builds a {Planted<PlantedOverrider>()},"));
    }

    private static string Caller(string method) => $"{Planted(typeof(KnownViolations))}::{method} calls";

    private static string Planted<T>() => Planted(typeof(T));

    // The IL name of a nested type: Outer/Inner.
    private static string Planted(Type type) => type.FullName!.Replace('+', '/');

    [Fact]
    public void Every_owned_Scalar_is_bound_by_a_using_declaration()
    {
        var root = SpecLoaderTests.RepositoryRoot();
        var unbound = new List<string>();
        foreach (var folder in new[] { "Training", "Grains" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
            {
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (lines[i].Contains("Scalars.Owned(") && !OwnedByUsing().IsMatch(lines[i]))
                        unbound.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
            }
        Assert.True(unbound.Count == 0, "Scalars.Owned must be bound with `using var name = Scalars.Owned(...)`:\n" + string.Join("\n", unbound));
    }

    [GeneratedRegex(@"^\s*using var \w+ = Scalars\.Owned\(")]
    private static partial Regex OwnedByUsing();

    /// <summary>What the check must catch (never called).</summary>
    private static class KnownViolations
    {
        public static TorchSharp.torch.Tensor Scale(TorchSharp.torch.Tensor t) => t.mul(0.5);

        public static TorchSharp.torch.Tensor Add(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) => a + b;

        public static TorchSharp.Modules.Adam Optimizer(TorchSharp.torch.nn.Module m) => TorchSharp.torch.optim.Adam(m.parameters());

        public static TorchSharp.torch.Tensor CallsALibraryThatDisposesOneOfTwo(TorchSharp.torch.Tensor t) => PlantedLibrary.DisposesOneOfTwo(t);

        public static TorchSharp.torch.Tensor CallsALibraryThatDisposesAScalarHandedIn(TorchSharp.torch.Tensor t, TorchSharp.Scalar done) =>
            PlantedLibrary.DisposesAScalarHandedIn(t, done);

        public static TorchSharp.torch.Tensor CallsALibraryThatOwnsItsScalar(TorchSharp.torch.Tensor t) => PlantedLibrary.OwnsItsScalar(t);

        public static PlantedBase BuildsATypeThatInheritsAnUnsafeStep() => new PlantedInheritor();

        public static PlantedBase BuildsATypeThatOverridesTheUnsafeStep() => new PlantedOverrider();
    }

    /// <summary>Library methods (never called): two leave a Scalar to the GC beside one they dispose, one owns its Scalar to the end.</summary>
    private static class PlantedLibrary
    {
        public static TorchSharp.torch.Tensor DisposesOneOfTwo(TorchSharp.torch.Tensor t)
        {
            var kept = TorchSharp.ScalarExtensionMethods.ToScalar(0.5);
            try
            {
                return t.mul(kept).add(TorchSharp.ScalarExtensionMethods.ToScalar(2.0));
            }
            finally
            {
                kept.Dispose();
            }
        }

        public static TorchSharp.torch.Tensor DisposesAScalarHandedIn(TorchSharp.torch.Tensor t, TorchSharp.Scalar done)
        {
            done.Dispose();
            return t.mul(TorchSharp.ScalarExtensionMethods.ToScalar(2.0));
        }

        public static TorchSharp.torch.Tensor OwnsItsScalar(TorchSharp.torch.Tensor t)
        {
            using var half = TorchSharp.ScalarExtensionMethods.ToScalar(0.5);
            return t.mul(half);
        }
    }

    /// <summary>A library type whose virtual step makes a temporary Scalar; one type inherits it, one overrides it safely.</summary>
    private class PlantedBase
    {
        public virtual TorchSharp.torch.Tensor Step(TorchSharp.torch.Tensor t) => t.mul(0.5);
    }

    private sealed class PlantedInheritor : PlantedBase;

    private sealed class PlantedOverrider : PlantedBase
    {
        public override TorchSharp.torch.Tensor Step(TorchSharp.torch.Tensor t) => t.neg();
    }
}
