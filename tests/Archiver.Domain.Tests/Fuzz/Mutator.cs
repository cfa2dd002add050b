namespace Archiver.Domain.Tests.Fuzz;

/// <summary>
/// Mutates a frame's JSON in place (on a clone): values replaced by hostile values of any JSON type, keys and stream-key
/// fields set to what no id should be, members removed and duplicated, strings cut short, values nested deep, and — on the
/// bytes — truncation at any point and bytes that are not UTF-8.
/// </summary>
internal sealed class Mutator(Random random)
{
    private static readonly string[] KnownKeys =
    [
        "csat", "dialogs", "participants", "participantsPId", "ttr", "metadata", "content", "message", "sequenceList", "status",
        "endTs", "startTs", "closeReason", "stage", "skillId", "brandId", "convId", "dialogId", "conversationId", "originatorMetadata",
        "originatorPId", "originatorId", "caption", "relativePath", "title", "reqId", "kind", "type", "body", "changes", "result",
        "conversationDetails", "metaDataLastUpdateTs", "lastUpdateTime", "creationTs", "closedBy", "dialogType", "channelType", "state",
        "csatRate", "sequence", "serverTimestamp", "event", "contentType", "role", "id", "questionId", "code",
    ];

    private static readonly int[] Depths = [2, 10, 100, 200, 240, 245, 248, 249, 250, 251, 252, 253, 254, 255, 256, 257, 300, 1000];

    /// <summary>Applies one mutation and returns the (possibly new) root.</summary>
    public RawJson Mutate(RawJson root)
    {
        var slots = new List<Slot>();
        Collect(root, null, slots);
        return random.Next(100) switch
        {
            < 25 => ReplaceValue(root, slots),
            < 33 => ReplaceKey(root, slots),
            < 42 => Remove(root, slots),
            < 49 => Duplicate(root, slots),
            < 60 => AddMember(root, slots),
            < 80 => SetField(root, slots),
            < 90 => CutString(root, slots),
            < 96 => Nest(root, slots),
            < 97 => random.Next(4) == 0 ? Replace(root, AnyValueSlot(slots), new RawToken(Hostile.LongString(random))) : CutString(root, slots),
            _ => random.Next(20) == 0 ? new RawToken(Hostile.Value(random)) : ReplaceValue(root, slots),
        };
    }

    /// <summary>Byte-level damage: a truncation at any point, a byte replaced, or bytes that are not UTF-8 put in.</summary>
    public byte[] MutateBytes(byte[] utf8)
    {
        if (utf8.Length == 0)
            return utf8;
        switch (random.Next(10))
        {
            case < 6:
                return utf8[..random.Next(utf8.Length)];
            case < 8:
            {
                var copy = (byte[])utf8.Clone();
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            }
            default:
            {
                byte[][] invalid = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xEF, 0xBB, 0xBF], [0x00]];
                var at = random.Next(utf8.Length);
                return [.. utf8[..at], .. invalid[random.Next(invalid.Length)], .. utf8[at..]];
            }
        }
    }

    /// <summary>Where a value sits: its parent and index there, and (when asked for) its path of indexes from the root.</summary>
    internal sealed record Slot(RawJson Parent, int Index, RawJson Value, int[]? Path)
    {
        public bool InObject => Parent is RawObject;
    }

    /// <summary>Every member and item under <paramref name="node"/>; with a <paramref name="path"/>, each with its own path.</summary>
    internal static void Collect(RawJson node, int[]? path, List<Slot> slots)
    {
        switch (node)
        {
            case RawObject o:
                for (var i = 0; i < o.Members.Count; i++)
                {
                    int[]? child = path is null ? null : [.. path, i];
                    slots.Add(new Slot(o, i, o.Members[i].Value, child));
                    Collect(o.Members[i].Value, child, slots);
                }
                break;
            case RawArray a:
                for (var i = 0; i < a.Items.Count; i++)
                {
                    int[]? child = path is null ? null : [.. path, i];
                    slots.Add(new Slot(a, i, a.Items[i], child));
                    Collect(a.Items[i], child, slots);
                }
                break;
        }
    }

    internal static RawJson At(RawJson root, int[] path)
    {
        var node = root;
        foreach (var i in path)
            node = node is RawObject o ? o.Members[i].Value : ((RawArray)node).Items[i];
        return node;
    }

    /// <summary>Replaces the value at <paramref name="slot"/> of the tree it was collected from; returns the root.</summary>
    internal static RawJson Replace(RawJson root, Slot? slot, RawJson value)
    {
        if (slot is null)
            return root;
        var i = slot.Index;
        if (slot.Parent is RawObject o)
            o.Members[i] = o.Members[i] with { Value = value };
        else
            ((RawArray)slot.Parent).Items[i] = value;
        return root;
    }

    /// <summary>Replaces the value at <paramref name="path"/> (of any copy of the tree); returns the root.</summary>
    internal static RawJson ReplaceAt(RawJson root, int[] path, RawJson value)
    {
        if (path.Length == 0)
            return value;
        var parent = At(root, path[..^1]);
        var i = path[^1];
        if (parent is RawObject o)
            o.Members[i] = o.Members[i] with { Value = value };
        else
            ((RawArray)parent).Items[i] = value;
        return root;
    }

    /// <summary>Removes the member or item at <paramref name="path"/> (of any copy of the tree).</summary>
    internal static void RemoveAt(RawJson root, int[] path)
    {
        var parent = At(root, path[..^1]);
        if (parent is RawObject o)
            o.Members.RemoveAt(path[^1]);
        else
            ((RawArray)parent).Items.RemoveAt(path[^1]);
    }

    private Slot? AnyValueSlot(List<Slot> slots) => slots.Count == 0 ? null : slots[random.Next(slots.Count)];

    private RawJson ReplaceValue(RawJson root, List<Slot> slots) => Replace(root, AnyValueSlot(slots), new RawToken(Hostile.Value(random)));

    private RawJson ReplaceKey(RawJson root, List<Slot> slots)
    {
        var members = slots.Where(s => s.InObject).ToList();
        if (members.Count == 0)
            return ReplaceValue(root, slots);
        var slot = members[random.Next(members.Count)];
        var parent = (RawObject)slot.Parent;
        var i = slot.Index;
        parent.Members[i] = parent.Members[i] with { Key = random.Pick(Hostile.Keys) };
        return root;
    }

    private RawJson Remove(RawJson root, List<Slot> slots)
    {
        if (slots.Count == 0)
            return root;
        var slot = slots[random.Next(slots.Count)];
        if (slot.Parent is RawObject o)
            o.Members.RemoveAt(slot.Index);
        else
            ((RawArray)slot.Parent).Items.RemoveAt(slot.Index);
        return root;
    }

    private RawJson Duplicate(RawJson root, List<Slot> slots)
    {
        if (slots.Count == 0)
            return root;
        var slot = slots[random.Next(slots.Count)];
        var parent = slot.Parent;
        var i = slot.Index;
        if (parent is RawObject o)
        {
            var copy = random.Next(2) == 0 ? o.Members[i] with { Value = o.Members[i].Value.Clone() } : o.Members[i] with { Value = new RawToken(Hostile.Value(random)) };
            o.Members.Insert(random.Next(o.Members.Count + 1), copy);
        }
        else
        {
            var items = ((RawArray)parent).Items;
            items.Insert(random.Next(items.Count + 1), items[i].Clone());
        }
        return root;
    }

    private RawJson AddMember(RawJson root, List<Slot> slots)
    {
        var objects = Objects(root, slots);
        if (objects.Count == 0)
            return ReplaceValue(root, slots);
        var key = KnownKeys[random.Next(KnownKeys.Length)];
        var value = random.Next(2) == 0 && Hostile.ByField.TryGetValue(key, out var pool) ? random.Pick(pool) : Hostile.Value(random);
        var target = objects[random.Next(objects.Count)];
        target.Members.Insert(random.Next(target.Members.Count + 1), new RawMember(RawJson.Literal(key), new RawToken(value)));
        return root;
    }

    /// <summary>Sets a field the worker reads (dialogId, sequence, csatRate, …) wherever it is, to a value hostile for that field.</summary>
    private RawJson SetField(RawJson root, List<Slot> slots)
    {
        var field = Hostile.ByField.Keys.ElementAt(random.Next(Hostile.ByField.Count));
        var pool = Hostile.ByField[field];
        var literal = RawJson.Literal(field);
        var named = slots.Where(s => s.InObject && ((RawObject)s.Parent).Members[s.Index].Key == literal).ToList();
        if (named.Count > 0)
        {
            var everywhere = random.Next(4) == 0;
            // Slots are collected parents first: set them last, so that a member's replacement does not drop a set child.
            foreach (var slot in (everywhere ? named : [named[random.Next(named.Count)]]).AsEnumerable().Reverse())
                Replace(root, slot, new RawToken(random.Next(5) == 0 ? Hostile.Value(random) : random.Pick(pool)));
            return root;
        }
        var objects = Objects(root, slots);
        if (objects.Count == 0)
            return ReplaceValue(root, slots);
        objects[random.Next(objects.Count)].Set(field, new RawToken(random.Pick(pool)));
        return root;
    }

    /// <summary>Cuts a string short at a random point (an escape or a surrogate pair may be cut in two).</summary>
    private RawJson CutString(RawJson root, List<Slot> slots)
    {
        var strings = slots.Where(s => s.Value is RawToken { IsString: true, Token.Length: > 2 }).ToList();
        if (strings.Count == 0)
            return ReplaceValue(root, slots);
        var slot = strings[random.Next(strings.Count)];
        var token = ((RawToken)slot.Value).Token;
        return Replace(root, slot, new RawToken(token[..(1 + random.Next(token.Length - 2))] + "\""));
    }

    private RawJson Nest(RawJson root, List<Slot> slots)
    {
        var slot = AnyValueSlot(slots);
        if (slot is null)
            return root;
        var depth = Depths[random.Next(Depths.Length)];
        return Replace(root, slot, new RawToken(Hostile.Nested(slot.Value.Text(), depth, objects: random.Next(2) == 0)));
    }

    private static List<RawObject> Objects(RawJson root, List<Slot> slots)
    {
        var objects = slots.Select(s => s.Value).OfType<RawObject>().ToList();
        if (root is RawObject o)
            objects.Add(o);
        return objects;
    }
}
