using System.Text.Json;
using Archiver.Domain.Protocol;
using Archiver.Simulator.Faults;
using Archiver.Simulator.Hostile;
using Archiver.Simulator.Identity;
using Archiver.Simulator.Traffic;
using Archiver.Simulator.Ums;
using Archiver.Simulator.World;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Archiver.Simulator.Control;

/// <summary>
/// <c>/control</c>: the agent side and the consumer's other devices (for tests and the demo), traffic, faults, and the
/// ground truth. Errors answer 4xx with a plain-text reason.
/// </summary>
public static class ControlEndpoints
{
    public static IEndpointRouteBuilder MapControl(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/control").AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (WorldException e)
            {
                return Results.Text(e.Message, statusCode: e.Code);
            }
        });

        control.MapGet("/consumers", (SimulatorWorld world) => world.Consumers().Select(c => new
        {
            consumerId = c.Id,
            mode = c.Mode.ToString().ToLowerInvariant(),
            connections = UmsEndpoint.Sockets(world, c.Id).Count,
            subscriptions = UmsEndpoint.Sockets(world, c.Id).Sum(s => s.Subscriptions),
            emitted = world.Emitted(c.Id),
            normalCloses = world.NormalCloses(c.Id),
        }));

        control.MapPut("/brand-keys/{kid}", async (string kid, HttpRequest request, TokenService tokens) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            tokens.AddBrandKey(kid, body.RootElement.GetProperty("pem").GetString()!);
            return Results.Ok();
        });

        control.MapPost("/consumers/{consumerId}/conversations", async (string consumerId, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            return Results.Json(new
            {
                conversationId = world.RequestConversation(consumerId, body.RootElement.Property("skillId").AsString(),
                    allowSeveralOpen: body.RootElement.Property("allowSeveralOpen").AsBoolean() == true),
            });
        });

        control.MapPost("/conversations/{id}/accept", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            world.Accept(id, body.RootElement.Property("agentName").AsString() ?? body.RootElement.Property("agentId").AsString() ?? "Alice Martin");
            return Results.Ok();
        });

        control.MapPost("/conversations/{id}/publish", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var (originator, role) = Originator(world, id, root);
            var metadata = root.Property("metadata");
            var sequence = world.Publish(id, root.Property("dialogId").AsString(), originator, role, root.GetProperty("event").GetRawText(),
                metadata.ValueKind == JsonValueKind.Undefined ? null : metadata.GetRawText());
            return Results.Json(new { sequence });
        });

        control.MapPost("/conversations/{id}/messages", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var (originator, role) = Originator(world, id, root);
            var @event = root.Property("text").AsString() is { } text
                ? $$"""{"type":"ContentEvent","contentType":"text/plain","message":{{Envelopes.Quote(text)}}}"""
                : root.Property("richContent").ValueKind == JsonValueKind.Object
                    ? $$"""{"type":"RichContentEvent","content":{{root.GetProperty("richContent").GetRawText()}}}"""
                    : FileEvent(world, root.Property("file").Property("caption").AsString() ?? "file", root.Property("file").Property("fileType").AsString() ?? "PNG");
            return Results.Json(new { sequence = world.Publish(id, root.Property("dialogId").AsString(), originator, role, @event, null) });
        });

        control.MapPost("/conversations/{id}/receipts", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var (originator, role) = Originator(world, id, root);
            var sequences = string.Join(',', root.Property("sequences").ElementOrArray().Select(s => s.GetRawText()));
            var @event = $$"""{"type":"AcceptStatusEvent","status":{{Envelopes.Quote(root.Property("status").AsString() ?? "READ")}},"sequenceList":[{{sequences}}]}""";
            return Results.Json(new { sequence = world.Publish(id, root.Property("dialogId").AsString(), originator, role, @event, null) });
        });

        control.MapPost("/conversations/{id}/participants", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            world.ChangeParticipants(id, root.Property("action").AsString() ?? "transfer",
                root.Property("agentName").AsString() ?? root.Property("agentId").AsString() ?? "Bob Chen", root.Property("role").AsString());
            return Results.Ok();
        });

        control.MapPost("/conversations/{id}/close", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var by = body.RootElement.Property("by").AsString() ?? "AGENT";
            if (body.RootElement.Property("survey").AsBoolean() == true)
                return Results.Json(new { surveyDialogId = world.CloseMain(id, by, survey: true) });
            world.CloseStage(id, by);
            return Results.Json(new { surveyDialogId = (string?)null });
        });

        control.MapPost("/conversations/{id}/survey", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var conversation = world.Find(id, null);
            var survey = conversation.Dialogs.LastOrDefault(d => d.DialogType == "POST_SURVEY" && d.State == "OPEN")
                ?? throw new WorldException(400, "No survey is open");
            var answer = body.RootElement.Property("answer").AsString() ?? "5";
            var bot = world.AgentId("Survey Bot");
            var question = world.Publish(id, survey.DialogId, bot, "AGENT",
                """{"type":"ContentEvent","contentType":"text/plain","message":"How would you rate this conversation?"}""", """[{"type":"Question","questionId":"q1"}]""");
            var metadata = $$"""[{"type":"Answer","questionId":"q1","id":"a{{answer}}","provider":"AC"}]""";
            world.Publish(id, survey.DialogId, conversation.ConsumerId, "CONSUMER", $$"""{"type":"AcceptStatusEvent","status":"ACTION","sequenceList":[{{question}}]}""", metadata);
            world.Publish(id, survey.DialogId, conversation.ConsumerId, "CONSUMER", $$"""{"type":"ContentEvent","contentType":"text/plain","message":{{Envelopes.Quote(answer)}}}""", metadata);
            world.CompleteSurvey(id);
            return Results.Ok();
        });

        control.MapPost("/conversations/{id}/csat", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            world.SetCsat(id, (int)(root.Property("rate").AsInt64() ?? 5), root.Property("resolutionConfirmation").AsBoolean() ?? true, root.Property("status").AsString() ?? "FILLED");
            return Results.Ok();
        });

        control.MapPost("/conversations/{id}/ttr", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            world.SetTtr(id, body.RootElement.Property("ttrType").AsString() ?? "URGENT", body.RootElement.Property("value").AsInt64() ?? 600);
            return Results.Ok();
        });

        control.MapPost("/scenario", async (HttpRequest request, SimulatorWorld world, ScenarioRunner scenario, CancellationToken cancellationToken) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var ids = await scenario.RunAsync(ConsumerIds(world, root), (int)(root.Property("conversationsPerConsumer").AsInt64() ?? 3),
                TimeSpan.FromMilliseconds(root.Property("paceMs").AsInt64() ?? 0), cancellationToken);
            return Results.Json(new { conversations = ids });
        });

        control.MapPost("/scenario/year", async (HttpRequest request, SimulatorWorld world, ScenarioRunner scenario, CancellationToken cancellationToken) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var year = await scenario.RunYearAsync(ConsumerIds(world, root), (int)(root.Property("conversations").AsInt64() ?? ScenarioRunner.YearConversations),
                cancellationToken);
            return Results.Json(new { conversations = year.Conversations, nowMs = year.NowMs });
        });

        control.MapPost("/load", async (HttpRequest request, SimulatorWorld world, LoadRunner load, CancellationToken cancellationToken) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            var (changes, elapsed) = await load.RunAsync(ConsumerIds(world, root), (int)(root.Property("conversationsPerConsumer").AsInt64() ?? 1),
                (int)(root.Property("messagesPerConversation").AsInt64() ?? 100), root.Property("ratePerSecond").AsInt64() ?? 0, cancellationToken,
                leaveOpen: root.Property("leaveOpen").AsBoolean() == true);
            return Results.Json(new { changes, elapsedMs = elapsed });
        });

        control.MapPost("/faults", async (HttpRequest request, SimulatorWorld world, FaultBoard board, SimulatorStats stats) =>
        {
            using var body = await ReadAsync(request);
            return Results.Json(new { affected = Faults.Apply(body.RootElement, world, board, stats) });
        });

        control.MapGet("/faults", (SimulatorWorld world, FaultBoard board) => board.Records().Select(r => new
        {
            kind = r.Kind,
            consumerId = r.ConsumerId,
            appliedAtMs = r.AppliedAtMs,
            emittedBefore = r.EmittedBefore,
            emittedAfter = world.Emitted(r.ConsumerId),
            wireEffect = r.WireEffect,
        }));

        control.MapGet("/hostile-cases", () => HostileCatalogue.All.Select(c => new { name = c.Name, kind = c.Kind, inBand = c.InBand, description = c.Description }));

        control.MapPost("/conversations/{id}/hostile", async (string id, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var name = body.RootElement.Property("case").AsString() ?? throw new WorldException(400, "case is required (GET /control/hostile-cases lists them)");
            var answer = HostileSender.Send(world, id, name);
            return Results.Json(new { @case = answer.Case, kind = answer.Kind, inBand = answer.InBand, dialogId = answer.DialogId, sequence = answer.Sequence });
        });

        control.MapPost("/consumers/{consumerId}/frames", async (string consumerId, HttpRequest request, SimulatorWorld world) =>
        {
            using var body = await ReadAsync(request);
            var root = body.RootElement;
            HostileFrame frame;
            try
            {
                frame = root.Property("base64").AsString() is { } base64
                    ? new HostileFrame(null, Convert.FromBase64String(base64), root.Property("binary").AsBoolean() == true)
                    : root.Property("text").ValueKind == JsonValueKind.String
                        ? HostileFrame.OfText(root.GetProperty("text").GetString()!) // exactly these characters: a lone surrogate is refused, not repaired
                        : throw new WorldException(400, "text or base64 is required");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new WorldException(400, $"unusable frame: {e.Message}"); // bad base64, or text that is not valid UTF-16 (a lone surrogate)
            }
            return Results.Json(new { sockets = HostileSender.SendRaw(world, consumerId, frame, givenAsBytes: frame.Bytes is not null) });
        });

        control.MapGet("/ground-truth", (HttpContext http, SimulatorWorld world) => GroundTruthResponse.WriteAsync(http, world, http.Request.Query["consumerId"].FirstOrDefault()));
        control.MapGet("/stats", (SimulatorStats stats) => stats.Snapshot());
        return app;
    }

    private static List<string> ConsumerIds(SimulatorWorld world, JsonElement root)
    {
        var given = root.Property("consumers").ElementOrArray().Select(c => c.AsString()).OfType<string>().ToList();
        return given.Count > 0 ? given : world.Consumers().Select(c => c.Id).ToList();
    }

    private static (string Id, string Role) Originator(SimulatorWorld world, string conversationId, JsonElement root)
    {
        if (root.Property("as").AsString() == "consumer")
            return (world.Find(conversationId, null).ConsumerId, "CONSUMER");
        var conversation = world.Find(conversationId, null);
        var assigned = conversation.Participants.FirstOrDefault(p => p.Role == "ASSIGNED_AGENT")?.Id;
        return (root.Property("agentName").AsString() is { } name ? world.AgentId(name) : assigned ?? world.AgentId("Alice Martin"), "ASSIGNED_AGENT");
    }

    private static string FileEvent(SimulatorWorld world, string caption, string fileType) =>
        "{\"type\":\"ContentEvent\",\"contentType\":\"hosted/file\",\"message\":{\"caption\":" + Envelopes.Quote(caption)
        + ",\"relativePath\":\"/v1/AUTH_async-images/" + world.Account + "/" + Guid.NewGuid().ToString("N") + ".png\",\"fileType\":" + Envelopes.Quote(fileType) + "}}";

    private static async Task<JsonDocument> ReadAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(buffer.ToArray());
    }
}
