using System.Text;

namespace Archiver.Domain.Masking;

/// <summary>
/// A text being masked by one rule: the copy is only made at the first replacement, so a text nothing matched comes back
/// as the very same instance, and callers can tell "unchanged" by reference, without comparing megabytes.
/// </summary>
internal ref struct MaskedText
{
    private readonly string _text;
    private readonly string _replacement;
    private StringBuilder? _builder;
    private int _copied;

    public MaskedText(string text, string replacement)
    {
        _text = text;
        _replacement = replacement;
    }

    /// <summary>Replaces <paramref name="length"/> characters at <paramref name="start"/>; spans come in ascending order.</summary>
    public void Replace(int start, int length)
    {
        if (length <= 0 || start < _copied || start + length > _text.Length)
            return; // an empty or overlapping span: nothing a detector means to hide
        _builder ??= new StringBuilder(_text.Length);
        _builder.Append(_text, _copied, start - _copied).Append(_replacement);
        _copied = start + length;
    }

    public readonly string Result() =>
        _builder is null ? _text : _builder.Append(_text, _copied, _text.Length - _copied).ToString();
}
