using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace DistGen.Tests.Training.TorchSafety;

/// <summary>A method named the same way in the assembly that defines it and in every assembly that calls it.</summary>
/// <param name="Type">Full name of the declaring type (its generic definition: "Module`2", not "Module&lt;Tensor, Tensor&gt;").</param>
/// <param name="Name">Method name (".ctor" for constructors).</param>
/// <param name="Signature">Parameter and return types; generic parameters as !n (type) and !!n (method).</param>
public sealed record MethodKey(string Type, string Name, string Signature)
{
    public override string ToString() => $"{Type}::{Name}{Signature}";
}

/// <summary>
/// One IL instruction, as much of it as the checks read: the method it calls (call, callvirt, newobj, ldftn) or the local
/// it loads, loads the address of, or stores (ldloc, ldloca, stloc; the local is -1 for any other instruction).
/// </summary>
public readonly record struct IlInstruction(MethodKey? Method, LocalAccess Access, int Local);

/// <summary>What an instruction does with a local variable.</summary>
public enum LocalAccess { None, Load, Store }

/// <summary>One method with a body: its instructions, the methods its IL calls, and whether it is virtual.</summary>
public sealed record IlMethod(MethodKey Key, bool IsVirtual, IReadOnlyList<IlInstruction> Instructions)
{
    public IReadOnlyList<MethodKey> Calls { get; } = Instructions.Where(i => i.Method is not null).Select(i => i.Method!).ToList();
}

/// <summary>
/// Reads every method body of an assembly with System.Reflection.Metadata and lists what it calls and which locals it
/// loads and stores, without loading the assembly for execution. Enough to follow calls across assemblies by name and
/// signature, and to see whether a value a call returns goes into a local or straight on.
/// </summary>
public sealed class IlCalls
{
    private static readonly Dictionary<ushort, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value);

    public IReadOnlyDictionary<MethodKey, IlMethod> Methods { get; }

    /// <summary>Full type name to its base type's full name (types defined in the assembly).</summary>
    public IReadOnlyDictionary<string, string?> BaseTypes { get; }

    private IlCalls(Dictionary<MethodKey, IlMethod> methods, Dictionary<string, string?> baseTypes) =>
        (Methods, BaseTypes) = (methods, baseTypes);

    public static IlCalls Read(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var md = pe.GetMetadataReader();
        var names = new SignatureNames(md);
        var methods = new Dictionary<MethodKey, IlMethod>();
        var baseTypes = new Dictionary<string, string?>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            baseTypes[names.GetTypeFromDefinition(md, typeHandle, 0)] = type.BaseType.IsNil ? null : names.TypeName(type.BaseType);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                var key = names.KeyOf(methodHandle);
                var instructions = method.RelativeVirtualAddress == 0 ? [] : InstructionsIn(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!, names);
                methods[key] = new IlMethod(key, (method.Attributes & MethodAttributes.Virtual) != 0, instructions);
            }
        }
        return new IlCalls(methods, baseTypes);
    }

    private static List<IlInstruction> InstructionsIn(byte[] il, SignatureNames names)
    {
        var instructions = new List<IlInstruction>();
        for (int i = 0; i < il.Length;)
        {
            ushort value = il[i] == 0xFE ? (ushort)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            if (opCode.OperandType == OperandType.InlineMethod)
                instructions.Add(new IlInstruction(names.KeyOf(MetadataTokens.EntityHandle(BitConverter.ToInt32(il, i))), LocalAccess.None, -1));
            else
                instructions.Add(LocalOf(opCode, il, i));
            i += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
        }
        return instructions;
    }

    // ldloc.0-3 and stloc.0-3 name their local in the op code, the .s forms in a byte, the long forms in two.
    private static IlInstruction LocalOf(OpCode opCode, byte[] il, int operand)
    {
        var name = opCode.Name!;
        var access = name.StartsWith("ldloc", StringComparison.Ordinal) ? LocalAccess.Load
            : name.StartsWith("stloc", StringComparison.Ordinal) ? LocalAccess.Store : LocalAccess.None;
        if (access == LocalAccess.None) return new IlInstruction(null, access, -1);
        int local = opCode.OperandType switch
        {
            OperandType.ShortInlineVar => il[operand],
            OperandType.InlineVar => BitConverter.ToUInt16(il, operand),
            _ => name[^1] - '0',
        };
        return new IlInstruction(null, access, local);
    }

    /// <summary>Names types and methods the same way whether they are defined in the assembly or referenced from another.</summary>
    private sealed class SignatureNames(MetadataReader md) : ISignatureTypeProvider<string, int>
    {
        public MethodKey KeyOf(MethodDefinitionHandle handle)
        {
            var method = md.GetMethodDefinition(handle);
            return new MethodKey(GetTypeFromDefinition(md, method.GetDeclaringType(), 0), md.GetString(method.Name),
                Format(method.DecodeSignature(this, 0)));
        }

        public MethodKey? KeyOf(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    return KeyOf((MethodDefinitionHandle)handle);
                case HandleKind.MethodSpecification:
                    return KeyOf(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                case HandleKind.MemberReference:
                    var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                    if (reference.GetKind() != MemberReferenceKind.Method) return null;
                    return new MethodKey(TypeName(reference.Parent), md.GetString(reference.Name), Format(reference.DecodeMethodSignature(this, 0)));
                default:
                    return null;
            }
        }

        /// <summary>The generic definition's name of a type, type reference, type specification or (for vararg calls) method.</summary>
        public string TypeName(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeReference => GetTypeFromReference(md, (TypeReferenceHandle)handle, 0),
            HandleKind.TypeSpecification => GenericDefinitionOf(md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, 0)),
            HandleKind.MethodDefinition => GetTypeFromDefinition(md, md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType(), 0),
            _ => handle.Kind.ToString(),
        };

        // "A`2<B,C>" names the instantiation; calls are matched on the definition "A`2".
        private static string GenericDefinitionOf(string name) => name.IndexOf('<') is var open and > 0 ? name[..open] : name;

        private static string Format(MethodSignature<string> signature) =>
            $"({string.Join(",", signature.ParameterTypes)}){signature.ReturnType}";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = reader.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil ? Qualify(reader.GetString(type.Namespace), name) : $"{GetTypeFromDefinition(reader, declaring, 0)}/{name}";
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeReference(handle);
            var name = reader.GetString(type.Name);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{GetTypeFromReference(reader, (TypeReferenceHandle)type.ResolutionScope, 0)}/{name}"
                : Qualify(reader.GetString(type.Namespace), name);
        }

        private static string Qualify(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetTypeFromSpecification(MetadataReader reader, int context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericTypeParameter(int genericContext, int index) => $"!{index}";
        public string GetGenericMethodParameter(int genericContext, int index) => $"!!{index}";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
    }
}
