using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;

namespace Archiver.Worker.WebConsole;

/// <summary>
/// Rich content (LivePerson's structured content: containers of text, buttons, images, maps, carousels, quick replies)
/// shown as what the consumer saw, readably: nested blocks of its texts, button titles with where they lead, images by
/// their caption and address. Every value is HTML-encoded and nothing is fetched or followed: an address is text.
/// </summary>
public static class RichContentHtml
{
    private const int MaxDepth = 32;

    public static IHtmlContent Render(JsonElement content)
    {
        var html = new StringBuilder();
        Element(html, content, 0);
        return new HtmlString(html.ToString());
    }

    private static void Element(StringBuilder html, JsonElement element, int depth)
    {
        if (depth > MaxDepth)
        {
            html.Append("<span class=\"muted\">…</span>");
            return;
        }
        if (element.ValueKind == JsonValueKind.String)
        {
            html.Append("<p>").Append(E(element.GetString())).Append("</p>");
            return;
        }
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
                Element(html, item, depth + 1);
            return;
        }
        if (element.ValueKind != JsonValueKind.Object)
            return;
        var type = Text(element, "type");
        switch (type)
        {
            case "text":
                html.Append("<p class=\"rc-text\">").Append(E(Text(element, "text"))).Append("</p>");
                break;
            case "button":
                html.Append("<p class=\"rc-button\"><span class=\"button\">").Append(E(Text(element, "title") ?? "button")).Append("</span>");
                foreach (var action in Actions(element))
                    html.Append(" <span class=\"muted\">").Append(E(action)).Append("</span>");
                html.Append("</p>");
                break;
            case "image":
                html.Append("<p class=\"rc-image\">[image] ").Append(E(Text(element, "caption") ?? Text(element, "alt") ?? ""))
                    .Append(" <span class=\"muted\">").Append(E(Text(element, "url"))).Append("</span></p>");
                break;
            case "map":
                html.Append("<p class=\"rc-map\">[map] ").Append(E(Text(element, "la"))).Append(", ").Append(E(Text(element, "lo"))).Append("</p>");
                break;
            default:
                // Containers (vertical, horizontal, carousel, quickReplies) and anything unknown: their parts in order.
                html.Append("<div class=\"rc-").Append(E(type is { Length: <= 32 } ? type : "block")).Append("\">");
                var shown = false;
                foreach (var part in new[] { "elements", "replies", "content" })
                {
                    if (element.TryGetProperty(part, out var children))
                    {
                        Element(html, children, depth + 1);
                        shown = true;
                    }
                }
                if (!shown)
                {
                    foreach (var property in element.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String && p.Name != "type"))
                        html.Append("<p><span class=\"muted\">").Append(E(property.Name)).Append(":</span> ").Append(E(property.Value.GetString())).Append("</p>");
                }
                html.Append("</div>");
                break;
        }
    }

    /// <summary>Where a button leads: a link's address, a message it would publish, a navigation.</summary>
    private static IEnumerable<string> Actions(JsonElement button)
    {
        if (!button.TryGetProperty("click", out var click) || click.ValueKind != JsonValueKind.Object ||
            !click.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array)
            yield break;
        foreach (var action in actions.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object))
        {
            var what = Text(action, "uri") ?? Text(action, "text") ?? Text(action, "name");
            if (what is not null)
                yield return $"→ {what}";
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");
}
