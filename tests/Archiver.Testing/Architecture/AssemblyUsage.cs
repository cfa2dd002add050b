using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Archiver.Testing.Architecture;

/// <summary>
/// One top-level type of a compiled assembly and everything it names: types (full names, nested as
/// <c>Outer+Inner</c>) and members (<c>Type::member</c>). Its nested types — lambdas' closures, async state machines,
/// generated logging structs — count as the type itself.
/// </summary>
public sealed record TypeUsage(string Type, string Namespace, IReadOnlySet<string> Names);

/// <summary>
/// Reads a compiled assembly's metadata (System.Reflection.Metadata, nothing is loaded or run) and lists, per top-level
/// type, what it names: base type, interfaces, generic constraints, field, method, property and local signatures,
/// attributes, caught exception types, and every type, method and field token in its method bodies' IL. A type used
/// only inside a method body is therefore seen, which a look at signatures alone would miss.
/// </summary>
public static class AssemblyUsage
{
    public static IReadOnlyList<TypeUsage> Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new MetadataNames(md);
        var byOwner = new Dictionary<TypeDefinitionHandle, HashSet<string>>();

        foreach (var handle in md.TypeDefinitions)
        {
            var owner = handle;
            while (!md.GetTypeDefinition(owner).GetDeclaringType().IsNil)
                owner = md.GetTypeDefinition(owner).GetDeclaringType();
            if (!byOwner.TryGetValue(owner, out var set))
                byOwner[owner] = set = new HashSet<string>(StringComparer.Ordinal);
            new TypeReader(pe, md, names, set).Read(handle);
        }

        return byOwner
            .Select(kv => new TypeUsage(names.Of(kv.Key), md.GetString(md.GetTypeDefinition(kv.Key).Namespace), kv.Value))
            .OrderBy(u => u.Type, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The names our assembly gives its own and referenced types.</summary>
    private sealed class MetadataNames(MetadataReader md)
    {
        public string Of(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var declaring = type.GetDeclaringType();
            if (!declaring.IsNil)
                return Of(declaring) + "+" + md.GetString(type.Name);
            return Qualified(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        public string Of(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
                return Of((TypeReferenceHandle)type.ResolutionScope) + "+" + md.GetString(type.Name);
            return Qualified(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        private static string Qualified(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
    }

    private sealed class TypeReader(PEReader pe, MetadataReader md, MetadataNames names, HashSet<string> into)
        : ISignatureTypeProvider<string, object?>, ICustomAttributeTypeProvider<string>
    {
        public void Read(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            if (!type.BaseType.IsNil)
                Entity(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations())
                Entity(md.GetInterfaceImplementation(i).Interface);
            GenericParameters(type.GetGenericParameters());
            Attributes(type.GetCustomAttributes());

            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                field.DecodeSignature(this, null);
                Attributes(field.GetCustomAttributes());
            }

            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                property.DecodeSignature(this, null);
                Attributes(property.GetCustomAttributes());
            }

            foreach (var m in type.GetMethods())
                Method(m);
        }

        private void Method(MethodDefinitionHandle handle)
        {
            var method = md.GetMethodDefinition(handle);
            method.DecodeSignature(this, null);
            GenericParameters(method.GetGenericParameters());
            Attributes(method.GetCustomAttributes());
            foreach (var p in method.GetParameters())
                Attributes(md.GetParameter(p).GetCustomAttributes());
            if (method.RelativeVirtualAddress == 0)
                return;

            var body = pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
                md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null);
            foreach (var region in body.ExceptionRegions)
            {
                if (!region.CatchType.IsNil)
                    Entity(region.CatchType);
            }
            Il(body.GetILReader());
        }

        /// <summary>Walks the IL opcode by opcode and follows every metadata token it carries.</summary>
        private void Il(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                int value = il.ReadByte();
                if (value == 0xFE)
                    value = 0xFE00 | il.ReadByte();
                if (!OperandTypes.TryGetValue((short)value, out var operand))
                    throw new InvalidOperationException($"Unknown IL opcode 0x{value:X} at offset {il.Offset}.");
                switch (operand)
                {
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineTok:
                    case OperandType.InlineType:
                        Entity(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    case OperandType.InlineSig:
                        var sig = MetadataTokens.EntityHandle(il.ReadInt32());
                        md.GetStandaloneSignature((StandaloneSignatureHandle)sig).DecodeMethodSignature(this, null);
                        break;
                    case OperandType.InlineSwitch:
                        var count = il.ReadInt32();
                        il.Offset += 4 * count;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineBrTarget:
                    case OperandType.InlineI:
                    case OperandType.InlineString:
                    case OperandType.ShortInlineR:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineNone:
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected operand type {operand}.");
                }
            }
        }

        /// <summary>What a token names: a type, or a member and its declaring type and signature.</summary>
        private string? Entity(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    return GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0);
                case HandleKind.TypeReference:
                    return GetTypeFromReference(md, (TypeReferenceHandle)handle, 0);
                case HandleKind.TypeSpecification:
                    return GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0);
                case HandleKind.MethodDefinition:
                {
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    var owner = GetTypeFromDefinition(md, method.GetDeclaringType(), 0);
                    into.Add(owner + "::" + md.GetString(method.Name));
                    method.DecodeSignature(this, null);
                    return owner;
                }
                case HandleKind.FieldDefinition:
                {
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                    var owner = GetTypeFromDefinition(md, field.GetDeclaringType(), 0);
                    into.Add(owner + "::" + md.GetString(field.Name));
                    field.DecodeSignature(this, null);
                    return owner;
                }
                case HandleKind.MemberReference:
                {
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    var owner = member.Parent.Kind == HandleKind.ModuleReference ? null : Entity(member.Parent);
                    if (owner is not null)
                        into.Add(owner + "::" + md.GetString(member.Name));
                    if (member.GetKind() == MemberReferenceKind.Method)
                        member.DecodeMethodSignature(this, null);
                    else
                        member.DecodeFieldSignature(this, null);
                    return owner;
                }
                case HandleKind.MethodSpecification:
                {
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    spec.DecodeSignature(this, null);
                    return Entity(spec.Method);
                }
                default:
                    return null;
            }
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (var p in parameters)
            {
                foreach (var c in md.GetGenericParameter(p).GetConstraints())
                    Entity(md.GetGenericParameterConstraint(c).Type);
            }
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes)
                Entity(md.GetCustomAttribute(a).Constructor);
        }

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var name = names.Of(handle);
            into.Add(name);
            return name;
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var name = names.Of(handle);
            into.Add(name);
            return name;
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";
        public string GetSystemType() => "System.Type";
        public bool IsSystemType(string type) => type == "System.Type";
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public string GetTypeFromSerializedName(string name) => name;
    }

    /// <summary>Every IL opcode's operand shape, taken from the runtime's own opcode table.</summary>
    private static readonly Dictionary<short, OperandType> OperandTypes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);
}
