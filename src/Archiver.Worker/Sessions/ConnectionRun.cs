using Archiver.Domain.Protocol;
using Archiver.Worker.Ingestion;
using Archiver.Worker.Sessions.Ums;
using Microsoft.Extensions.Logging;

namespace Archiver.Worker.Sessions;

/// <summary>
/// The life of one connection: a reader that hands every frame to ingestion (which waits when the pipeline is full, so
/// the socket stops being read), a subscriber that asks for conversations and then for the dialogs ingestion plans,
/// each from the sequence it names, and a keep-alive. It ends — always with an exception — when any of them fails;
/// nothing a frame holds makes any of them fail.
/// </summary>
internal sealed class ConnectionRun(UmsConnection connection, IConnectionIngestion ingestion, ConnectionContext context, string consumerName)
{
    private static readonly string[] AllConversationStates = ["OPEN", "CLOSE"];
    private const int SubscribeConcurrency = 32;

    /// <summary>Raised once the conversation subscription is accepted: the session is then "connected".</summary>
    public event Action? Subscribed;

    /// <summary>
    /// How long a stopped session waits for the server's answering close, reading (and archiving) what arrives before it.
    /// </summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var parts = new[] { ReadAsync(stop.Token), SubscribeAsync(stop.Token), KeepAliveAsync(stop.Token) };
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task ended;
        await using (cancellationToken.Register(() => stopped.TrySetResult()))
        {
            ended = await Task.WhenAny(parts.Append(stopped.Task));
            if (ended == stopped.Task)
            {
                // Stopped on purpose (shutdown, a lease given back, the consumer removed from the registry): close with
                // 1000 so the server sees a normal closure, and keep reading until its answering close, so that whatever
                // it sent before is handed to ingestion (the writer drains it). Cancelling the pending read instead would
                // abort the socket.
                await connection.CloseAsync(CloseGrace);
                await Task.WhenAny(parts[0], Task.Delay(CloseGrace, context.Time, CancellationToken.None));
                await stop.CancelAsync();
                connection.Abort();
                await Quietly(parts);
                throw new OperationCanceledException(cancellationToken);
            }
        }
        var first = ended;
        await stop.CancelAsync();
        connection.Abort();
        try
        {
            await Task.WhenAll(parts);
        }
        catch (Exception) when (!first.IsFaulted)
        {
            // The first part ended without a fault (cancellation); a later fault is the reason.
        }
        await first; // rethrows the reason the connection ended
        throw new UmsClosedException(closeStatus: null, cause: null);
    }

    private static async Task Quietly(Task[] parts)
    {
        try
        {
            await Task.WhenAll(parts);
        }
        catch (Exception)
        {
            // The session is stopping: how each part ended no longer matters.
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await connection.ReceiveAsync(cancellationToken);
            switch (frame.Frame)
            {
                case ResponseFrame response:
                    if (!response.IsSuccess)
                        context.Sessions.ErrorResponse(response.Code);
                    continue; // answers to our own requests: UmsConnection has completed them
                case MessagingNotification or ConversationNotification:
                    context.Sessions.NotificationReceived();
                    break;
            }
            if (frame.Frame is ConversationNotification conversations)
                WantAgentProfiles(conversations);
            await ingestion.AcceptAsync(frame, cancellationToken);
        }
    }

    /// <summary>Agents seen in a conversation get their public profile archived (docs/protocol.md §14.9), without
    /// holding up the reader.</summary>
    private void WantAgentProfiles(ConversationNotification notification)
    {
        foreach (var change in notification.Changes)
        {
            foreach (var participant in change.Snapshot.Participants.Where(p => p.Role != "CONSUMER"))
                context.Agents.Want(participant.Id);
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var response = await connection.RequestAsync(
            UmsRequestTypes.SubscribeExConversations, new SubscribeExConversationsBody(AllConversationStates), cancellationToken);
        if (!response.IsSuccess)
            throw new UmsRequestFailedException(UmsRequestTypes.SubscribeExConversations, response);
        Subscribed?.Invoke();

        await foreach (var batch in ingestion.SubscriptionsAsync(cancellationToken))
        {
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = SubscribeConcurrency, CancellationToken = cancellationToken },
                async (dialog, ct) => await SubscribeDialogAsync(dialog, ct));
        }
    }

    private async Task SubscribeDialogAsync(DialogSubscription dialog, CancellationToken cancellationToken)
    {
        using var scope = context.Logger.BeginScope(new Dictionary<string, object> { ["ConversationId"] = dialog.ConversationId, ["DialogId"] = dialog.DialogId });
        for (var attempt = 1; ; attempt++)
        {
            var response = await connection.RequestAsync(
                UmsRequestTypes.SubscribeMessagingEvents, new SubscribeMessagingEventsBody(dialog.DialogId, dialog.FromSeq, dialog.ConversationId), cancellationToken);
            if (response.IsSuccess)
                return;
            if (response.Code == 429)
            {
                // Throttled: wait at least a second (docs/protocol.md §7, retry policy) and ask again on this
                // connection.
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt)) + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), context.Time, cancellationToken);
                continue;
            }
            if (response.Code >= 500)
                throw new UmsRequestFailedException(UmsRequestTypes.SubscribeMessagingEvents, response); // reconnect and resubscribe all
            SessionLog.DialogRefused(context.Logger, consumerName, dialog.DialogId, response.Code);
            return;
        }
    }

    /// <summary>
    /// WebSocket pings (with a pong timeout) run inside the socket; this adds <c>.GetClock</c> when nothing has been
    /// received for a keep-alive interval, so a server that stops answering is noticed even if pongs still flow.
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        var interval = context.KeepAlive;
        using var timer = new PeriodicTimer(interval, context.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (context.Time.GetElapsedTime(connection.LastReceivedAt) < interval)
                continue;
            var clock = await connection.RequestAsync(UmsRequestTypes.GetClock, null, cancellationToken);
            if (!clock.IsSuccess && clock.Code >= 500)
                throw new UmsRequestFailedException(UmsRequestTypes.GetClock, clock);
        }
    }
}

/// <summary>What every connection of every session shares.</summary>
internal sealed record ConnectionContext(
    IIngestion Ingestion,
    SessionMetrics Sessions,
    TimeProvider Time,
    TimeSpan KeepAlive,
    AgentProfiles Agents,
    ILogger Logger);
