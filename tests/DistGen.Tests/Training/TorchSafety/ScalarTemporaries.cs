namespace DistGen.Tests.Training.TorchSafety;

/// <summary>
/// Finds where code makes a TorchSharp <c>Scalar</c> whose lifetime the garbage collector decides. TorchSharp 0.107
/// turns a double passed where a Scalar is expected into a temporary Scalar, reads its native handle and calls libtorch;
/// nothing keeps the temporary alive across the call, so a collection on another thread may finalize it (freeing the
/// native scalar) while libtorch still reads it: "Unknown scalar type" at random. TorchSharp's own methods do the same
/// internally (its optimizers, for one), so calling such a method is as unsafe as writing the conversion.
/// </summary>
public sealed class ScalarTemporaries
{
    private readonly IlCalls _torch;
    private readonly Dictionary<MethodKey, string> _unsafeTorch;

    public ScalarTemporaries(IlCalls torchSharp)
    {
        _torch = torchSharp;
        _unsafeTorch = UnsafeMethods(torchSharp);
    }

    /// <summary>TorchSharp methods that make temporary Scalars themselves or through the TorchSharp methods they call.</summary>
    public IReadOnlyDictionary<MethodKey, string> UnsafeTorchMethods => _unsafeTorch;

    /// <summary>
    /// Every place in <paramref name="code"/> that makes a temporary Scalar, calls a TorchSharp method that does, or builds
    /// a TorchSharp type whose overridden methods (a module's forward, an optimizer's step) do. Scalars may be made only by
    /// the methods of <paramref name="scalarOwner"/>, which keeps them alive on purpose.
    /// </summary>
    public IReadOnlyList<string> Find(IlCalls code, string scalarOwner)
    {
        var findings = new SortedSet<string>(StringComparer.Ordinal);
        var built = new HashSet<string>(StringComparer.Ordinal);
        foreach (var method in code.Methods.Values)
        {
            foreach (var call in method.Calls)
            {
                if (MakesScalar(call))
                {
                    if (method.Key.Type != scalarOwner && !method.Key.Type.StartsWith(scalarOwner + "/", StringComparison.Ordinal))
                        findings.Add($"{Where(method)} makes a temporary Scalar ({call.Name}); use {scalarOwner}");
                    continue;
                }
                if (_unsafeTorch.TryGetValue(call, out var why)) findings.Add($"{Where(method)} calls {call}, which {why}");
                if (_torch.Methods.ContainsKey(call))
                {
                    if (call.Name == ".ctor") built.Add(call.Type);
                    built.Add(ReturnTypeOf(call));
                }
            }
        }
        foreach (var type in built)
            foreach (var method in VirtualMethodsOf(type))
                if (_unsafeTorch.TryGetValue(method.Key, out var why)) findings.Add($"the code builds a {type}, whose {method.Key.Name} {why}");
        return findings.ToList();
    }

    // The virtual methods an object of the type runs: its own, then those it inherits from TorchSharp base types and does
    // not override (an optimizer whose step lives in its base class runs that step).
    private IEnumerable<IlMethod> VirtualMethodsOf(string type)
    {
        var overridden = new HashSet<(string, string)>();
        for (string? level = type; level is not null; level = _torch.BaseTypes.GetValueOrDefault(level))
            foreach (var method in _torch.Methods.Values.Where(m => m.Key.Type == level && m.IsVirtual))
                if (overridden.Add((method.Key.Name, method.Key.Signature))) yield return method;
    }

    private static string Where(IlMethod method) => $"{method.Key.Type}::{method.Key.Name}";

    private static string ReturnTypeOf(MethodKey method)
    {
        var returned = method.Signature[(method.Signature.LastIndexOf(')') + 1)..];
        return returned.IndexOf('<') is var open and > 0 ? returned[..open] : returned;
    }

    private static bool MakesScalar(MethodKey call) =>
        (call.Type == "TorchSharp.Scalar" && (call.Name == "op_Implicit" || call.Name == ".ctor"))
        || (call.Type == "TorchSharp.ScalarExtensionMethods" && call.Name == "ToScalar");

    private static bool Disposes(MethodKey? call) =>
        call is { Name: "Dispose", Signature: "()Void" } && call.Type is "TorchSharp.Scalar" or "System.IDisposable";

    // How many Scalars the method makes that it does not own to the end. A Scalar is owned only when it goes straight
    // into a local that the method disposes (`using var s = ...`, or `s.Dispose()`); one passed on, stored elsewhere or
    // returned is a temporary. So disposing one Scalar vouches for that one alone, not for a second made beside it or one
    // handed in.
    private static int TemporaryScalars(IlMethod method)
    {
        var code = method.Instructions;
        var disposed = new HashSet<int>();
        for (int i = 0; i + 1 < code.Count; i++)
            if (code[i].Access == LocalAccess.Load && Disposes(code[i + 1].Method)) disposed.Add(code[i].Local);
        int temporaries = 0;
        for (int i = 0; i < code.Count; i++)
            if (code[i].Method is { } call && MakesScalar(call)
                && !(i + 1 < code.Count && code[i + 1].Access == LocalAccess.Store && disposed.Contains(code[i + 1].Local)))
                temporaries++;
        return temporaries;
    }

    // A method is unsafe when it makes a Scalar it does not own (see TemporaryScalars), or calls (by name, not through a
    // virtual slot) one that is; the reason names the chain down to the conversion.
    private static Dictionary<MethodKey, string> UnsafeMethods(IlCalls torch)
    {
        var unsafeMethods = new Dictionary<MethodKey, string>();
        var callers = new Dictionary<MethodKey, List<MethodKey>>();
        var pending = new Queue<MethodKey>();
        foreach (var method in torch.Methods.Values)
        {
            foreach (var call in method.Calls.Distinct())
            {
                if (!callers.TryGetValue(call, out var list)) callers[call] = list = [];
                list.Add(method.Key);
            }
            if (TemporaryScalars(method) > 0)
            {
                unsafeMethods[method.Key] = "makes a temporary Scalar";
                pending.Enqueue(method.Key);
            }
        }
        while (pending.TryDequeue(out var method))
        {
            if (!callers.TryGetValue(method, out var list)) continue;
            foreach (var caller in list.Where(c => !unsafeMethods.ContainsKey(c) && c.Type != "TorchSharp.Scalar"))
            {
                unsafeMethods[caller] = $"calls {method.Type}::{method.Name}, which {Shorten(unsafeMethods[method])}";
                pending.Enqueue(caller);
            }
        }
        return unsafeMethods;
    }

    // Keeps a chain readable: the first two links and the conversion at the end.
    private static string Shorten(string reason) =>
        reason.Split(", which ").Length > 3 ? string.Join(", which ", reason.Split(", which ")[..2]) + ", which ... makes a temporary Scalar" : reason;
}
