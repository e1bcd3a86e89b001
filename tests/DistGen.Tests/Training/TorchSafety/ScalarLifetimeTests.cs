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
    public void The_check_finds_a_library_method_that_disposes_one_Scalar_of_two_and_an_inherited_unsafe_method()
    {
        // The test assembly plays the library too (PlantedLibrary, PlantedBase), so the planted shapes need not exist in TorchSharp.
        var assembly = IlCalls.Read(typeof(ScalarLifetimeTests).Assembly.Location);
        var findings = new ScalarTemporaries(assembly).Find(assembly, ScalarOwner);
        Assert.Contains(findings, f => f.Contains($"{nameof(KnownViolations)}::{nameof(KnownViolations.CallsALibraryThatDisposesOneOfTwo)}")
            && f.Contains(nameof(PlantedLibrary.DisposesOneOfTwo)));
        Assert.Contains(findings, f => f.Contains($"builds a {typeof(PlantedDerived).FullName!.Replace('+', '/')}, whose {nameof(PlantedBase.Step)}"));
    }

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

        public static PlantedBase BuildsATypeThatInheritsAnUnsafeStep() => new PlantedDerived();
    }

    /// <summary>A library method that disposes the first of its two Scalars: the second is still the GC's (never called).</summary>
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
    }

    /// <summary>A library type whose virtual step makes a temporary Scalar, and one that inherits it without overriding it.</summary>
    private class PlantedBase
    {
        public virtual TorchSharp.torch.Tensor Step(TorchSharp.torch.Tensor t) => t.mul(0.5);
    }

    private sealed class PlantedDerived : PlantedBase;
}
