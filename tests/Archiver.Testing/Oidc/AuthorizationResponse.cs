using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Archiver.Testing.Oidc;

/// <summary>
/// Sends the result of <c>/authorize</c> back to a redirect URI already known to be registered, in the response mode
/// the client asked for: <c>query</c> is a 302 with the parameters in the query; <c>form_post</c> (ASP.NET Core's
/// default) is a page whose form POSTs them, submitted by a one-line script so a headless browser goes on by itself,
/// with a button inside <c>noscript</c> for a browser without scripts. The client's <c>state</c> goes back either way.
/// </summary>
internal sealed class AuthorizationResponse(string redirectUri, bool formPost, string? state)
{
    public IResult Code(string code) => Send(new Dictionary<string, string?> { ["code"] = code, ["state"] = state });

    public IResult Error(string error, string description) => Send(new Dictionary<string, string?>
    {
        ["error"] = error,
        ["error_description"] = description,
        ["state"] = state,
    });

    private IResult Send(Dictionary<string, string?> parameters)
    {
        var present = parameters.Where(p => p.Value is not null).ToList();
        return formPost
            ? Results.Content(FormPostPage(present), "text/html; charset=utf-8")
            : Results.Redirect(QueryHelpers.AddQueryString(redirectUri, present));
    }

    private string FormPostPage(List<KeyValuePair<string, string?>> parameters)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Signing in</title></head><body>\n");
        html.Append("<form method=\"post\" action=\"").Append(WebUtility.HtmlEncode(redirectUri)).Append("\">\n");
        foreach (var (name, value) in parameters)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(WebUtility.HtmlEncode(name))
                .Append("\" value=\"").Append(WebUtility.HtmlEncode(value)).Append("\"/>\n");
        }
        html.Append("<noscript><p>Scripts are off: press Continue to finish signing in.</p>")
            .Append("<button type=\"submit\">Continue</button></noscript>\n</form>\n");
        html.Append("<script>document.forms[0].submit();</script>\n</body></html>\n");
        return html.ToString();
    }
}
