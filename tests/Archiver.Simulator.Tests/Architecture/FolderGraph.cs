using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Archiver.Simulator.Tests.Architecture;

/// <summary>
/// Which folder of a compiled assembly uses which, read from its metadata: a folder is a namespace under the root, and a
/// type uses every type of the same assembly that its signatures name (base type, interfaces, fields, methods,
/// properties, events, attributes) and that its method bodies touch (locals, and every type, method or field token in
/// the IL). Nested types — closures, state machines — count as their outermost type, so a lambda's uses are its
/// declaring type's. Types of other assemblies are left out: only folders of this assembly can form a cycle here.
/// </summary>
internal sealed class FolderGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private readonly MetadataReader _reader;
    private readonly PEReader _pe;
    private readonly string _root;
    private readonly TypeCollector _collector = new();

    /// <summary>Folder → the folders it uses (never itself), and for each edge a type of the one using a type of the other.</summary>
    public Dictionary<string, SortedSet<string>> Edges { get; } = new(StringComparer.Ordinal);

    public Dictionary<(string From, string To), string> Witness { get; } = [];

    /// <summary>Type (outermost, full name) → the types of the assembly it uses, for tests of the reading itself.</summary>
    public Dictionary<string, SortedSet<string>> TypeUses { get; } = new(StringComparer.Ordinal);

    private FolderGraph(PEReader pe, string root)
    {
        _pe = pe;
        _reader = pe.GetMetadataReader();
        _root = root;
    }

    /// <summary>The folder graph of the assembly at <paramref name="path"/>, whose root namespace is <paramref name="root"/>.</summary>
    public static FolderGraph Read(string path, string root)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var graph = new FolderGraph(pe, root);
        graph.Build();
        return graph;
    }

    private void Build()
    {
        // Nested types are read with their outermost type.
        foreach (var handle in _reader.TypeDefinitions.Where(t => _reader.GetTypeDefinition(t).GetDeclaringType().IsNil))
        {
            var from = FolderOf(handle);
            if (from is null)
                continue;
            Edges.TryAdd(from, new SortedSet<string>(StringComparer.Ordinal));
            var uses = UsedBy(handle);
            TypeUses[NameOf(handle)] = new SortedSet<string>(uses.Select(NameOf), StringComparer.Ordinal);
            foreach (var used in uses)
            {
                var to = FolderOf(used);
                if (to is null || to == from)
                    continue;
                if (Edges[from].Add(to))
                    Witness[(from, to)] = $"{NameOf(handle)} uses {NameOf(used)}";
            }
        }
    }

    /// <summary>The folder of a type: its outermost declaring type's namespace, or null when it is outside the root (generated helpers).</summary>
    private string? FolderOf(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        while (type.GetDeclaringType() is { IsNil: false } outer)
            type = _reader.GetTypeDefinition(outer);
        var ns = _reader.GetString(type.Namespace);
        if (ns == _root || ns.StartsWith(_root + ".", StringComparison.Ordinal))
            return ns;
        // The top-level statements of Program.cs compile to a type in the global namespace: the root folder's.
        return ns.Length == 0 && _reader.GetString(type.Name) == "Program" ? _root : null;
    }

    private string NameOf(TypeDefinitionHandle handle)
    {
        var type = _reader.GetTypeDefinition(handle);
        var name = _reader.GetString(type.Name);
        return type.GetDeclaringType() is { IsNil: false } outer ? NameOf(outer) + "+" + name : _reader.GetString(type.Namespace) + "." + name;
    }

    private HashSet<TypeDefinitionHandle> UsedBy(TypeDefinitionHandle handle)
    {
        var used = new HashSet<TypeDefinitionHandle>();
        var type = _reader.GetTypeDefinition(handle);
        AddType(type.BaseType, used);
        foreach (var i in type.GetInterfaceImplementations())
            AddType(_reader.GetInterfaceImplementation(i).Interface, used);
        AddGenericParameters(type.GetGenericParameters(), used);
        AddAttributes(type.GetCustomAttributes(), used);
        foreach (var f in type.GetFields())
        {
            var field = _reader.GetFieldDefinition(f);
            used.UnionWith(field.DecodeSignature(_collector, null));
            AddAttributes(field.GetCustomAttributes(), used);
        }
        foreach (var p in type.GetProperties())
        {
            var property = _reader.GetPropertyDefinition(p);
            AddSignature(property.DecodeSignature(_collector, null), used);
            AddAttributes(property.GetCustomAttributes(), used);
        }
        foreach (var e in type.GetEvents())
        {
            var @event = _reader.GetEventDefinition(e);
            AddType(@event.Type, used);
            AddAttributes(@event.GetCustomAttributes(), used);
        }
        foreach (var m in type.GetMethods())
        {
            var method = _reader.GetMethodDefinition(m);
            AddSignature(method.DecodeSignature(_collector, null), used);
            AddGenericParameters(method.GetGenericParameters(), used);
            AddAttributes(method.GetCustomAttributes(), used);
            foreach (var p in method.GetParameters())
                AddAttributes(_reader.GetParameter(p).GetCustomAttributes(), used);
            if (method.RelativeVirtualAddress != 0)
                AddBody(_pe.GetMethodBody(method.RelativeVirtualAddress), used);
        }
        foreach (var nested in type.GetNestedTypes())
            used.UnionWith(UsedBy(nested));
        return used;
    }

    private void AddBody(MethodBodyBlock body, HashSet<TypeDefinitionHandle> used)
    {
        if (!body.LocalSignature.IsNil)
            used.UnionWith(_reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_collector, null).SelectMany(t => t));
        foreach (var region in body.ExceptionRegions)
            AddType(region.CatchType, used);
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE)
                value = (short)(0xFE00 | il.ReadByte());
            var opCode = OpCodesByValue[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                    AddToken(MetadataTokens.EntityHandle(il.ReadInt32()), used);
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                default:
                    il.Offset += OperandSize(opCode.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4, // InlineBrTarget, InlineI, InlineString, ShortInlineR
    };

    private void AddToken(EntityHandle handle, HashSet<TypeDefinitionHandle> used)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                AddType(handle, used);
                break;
            case HandleKind.MethodDefinition:
                used.Add(_reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                used.Add(_reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                var member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                AddToken(member.Parent, used);
                if (member.GetKind() == MemberReferenceKind.Method)
                    AddSignature(member.DecodeMethodSignature(_collector, null), used);
                else
                    used.UnionWith(member.DecodeFieldSignature(_collector, null));
                break;
            case HandleKind.MethodSpecification:
                var specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddToken(specification.Method, used);
                used.UnionWith(specification.DecodeSignature(_collector, null).SelectMany(t => t));
                break;
            case HandleKind.StandaloneSignature:
                AddSignature(_reader.GetStandaloneSignature((StandaloneSignatureHandle)handle).DecodeMethodSignature(_collector, null), used);
                break;
        }
    }

    private void AddType(EntityHandle handle, HashSet<TypeDefinitionHandle> used)
    {
        if (handle.IsNil)
            return;
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                used.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeSpecification:
                used.UnionWith(_reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_collector, null));
                break;
        }
    }

    private static void AddSignature(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature, HashSet<TypeDefinitionHandle> used)
    {
        used.UnionWith(signature.ReturnType);
        foreach (var parameter in signature.ParameterTypes)
            used.UnionWith(parameter);
    }

    private void AddGenericParameters(GenericParameterHandleCollection parameters, HashSet<TypeDefinitionHandle> used)
    {
        foreach (var p in parameters)
        {
            foreach (var c in _reader.GetGenericParameter(p).GetConstraints())
                AddType(_reader.GetGenericParameterConstraint(c).Type, used);
        }
    }

    private void AddAttributes(CustomAttributeHandleCollection attributes, HashSet<TypeDefinitionHandle> used)
    {
        foreach (var a in attributes)
            AddToken(_reader.GetCustomAttribute(a).Constructor, used);
    }

    /// <summary>A signature decoded to the types of this assembly it names (generic arguments, arrays, pointers included).</summary>
    private sealed class TypeCollector : ISignatureTypeProvider<ImmutableArray<TypeDefinitionHandle>, object?>
    {
        public ImmutableArray<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [];

        public ImmutableArray<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<TypeDefinitionHandle> GetGenericInstantiation(ImmutableArray<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableArray<TypeDefinitionHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(t => t)];

        public ImmutableArray<TypeDefinitionHandle> GetArrayType(ImmutableArray<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetSZArrayType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetByReferenceType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPointerType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetPinnedType(ImmutableArray<TypeDefinitionHandle> elementType) => elementType;

        public ImmutableArray<TypeDefinitionHandle> GetModifiedType(ImmutableArray<TypeDefinitionHandle> modifier, ImmutableArray<TypeDefinitionHandle> unmodifiedType, bool isRequired) =>
            unmodifiedType;

        public ImmutableArray<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<TypeDefinitionHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(t => t)];

        public ImmutableArray<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => [];

        public ImmutableArray<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => [];

        public ImmutableArray<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];
    }
}
