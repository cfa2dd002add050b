using System.Net;
using System.Text.RegularExpressions;

namespace Archiver.Oidc.Tests.Harness;

/// <summary>
/// The provider's form_post page read the way a browser would submit it: the form's action and its hidden fields.
/// The page is the provider's own small HTML, so two regular expressions are enough (no HTML parser dependency).
/// </summary>
internal sealed partial record AutoSubmitForm(Uri Action, IReadOnlyDictionary<string, string> Fields)
{
    public static AutoSubmitForm Parse(string html)
    {
        var form = FormTag().Match(html);
        Assert.True(form.Success, $"no POST form in the page:\n{html}");
        var fields = HiddenInput().Matches(html).ToDictionary(
            m => WebUtility.HtmlDecode(m.Groups["name"].Value),
            m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        return new AutoSubmitForm(new Uri(WebUtility.HtmlDecode(form.Groups["action"].Value)), fields);
    }

    [GeneratedRegex("<form method=\"post\" action=\"(?<action>[^\"]*)\"")]
    private static partial Regex FormTag();

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]*)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex HiddenInput();
}
