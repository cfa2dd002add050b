using Microsoft.AspNetCore.Http;

namespace Archiver.Testing.Oidc;

/// <summary>
/// A request's OAuth parameters: the query of a GET, the form of a POST. OAuth forbids a parameter given twice, so
/// the first one given twice is kept in <see cref="Duplicate"/> for the endpoint to refuse the request.
/// </summary>
internal sealed class OidcParameters
{
    private readonly Dictionary<string, string> _values;

    private OidcParameters(Dictionary<string, string> values, string? duplicate)
    {
        _values = values;
        Duplicate = duplicate;
    }

    public string? Duplicate { get; }

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>The parameter's value, or null when it is missing or empty (OAuth treats both alike).</summary>
    public string? this[string name] => _values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public static async Task<OidcParameters> ReadAsync(HttpRequest request)
    {
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source =
            HttpMethods.IsPost(request.Method) && request.HasFormContentType
                ? await request.ReadFormAsync()
                : request.Query;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? duplicate = null;
        foreach (var (name, value) in source)
        {
            if (value.Count > 1)
                duplicate ??= name;
            values[name] = value[0] ?? "";
        }
        return new OidcParameters(values, duplicate);
    }
}
