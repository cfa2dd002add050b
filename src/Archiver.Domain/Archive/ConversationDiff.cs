using Archiver.Domain.Protocol;

namespace Archiver.Domain.Archive;

/// <summary>Pure: what changed between the latest archived state of a conversation and a newly observed one.</summary>
public static class ConversationDiff
{
    public static IReadOnlyList<ConversationFact> Facts(ConversationSnapshot? previous, ConversationSnapshot current, string observation)
    {
        var id = current.ConversationId;
        var at = current.LastUpdateTs;
        var facts = new List<ConversationFact>();
        if (previous is null)
            facts.Add(new ConversationOpened(id, current.ConsumerId, current.BrandId, current.SkillId, current.StartTs, observation));

        var before = previous?.Participants.ToHashSet() ?? [];
        var after = current.Participants.ToHashSet();
        facts.AddRange(current.Participants.Where(p => !before.Contains(p)).Distinct().Select(p => new ParticipantJoined(id, p.Id, p.Role, at, observation)));
        facts.AddRange((previous?.Participants ?? []).Where(p => !after.Contains(p)).Distinct().Select(p => new ParticipantLeft(id, p.Id, p.Role, at, observation)));

        var oldDialogs = (previous?.Dialogs ?? []).DistinctBy(d => d.DialogId, StringComparer.Ordinal).ToDictionary(d => d.DialogId, StringComparer.Ordinal);
        foreach (var dialog in current.Dialogs.DistinctBy(d => d.DialogId, StringComparer.Ordinal))
        {
            oldDialogs.TryGetValue(dialog.DialogId, out var old);
            if (old is null)
                facts.Add(new DialogOpened(id, dialog.DialogId, dialog.DialogType, dialog.ChannelType, dialog.CreationTs, observation));
            if (dialog.State == "CLOSE" && old?.State != "CLOSE")
                facts.Add(new DialogClosed(id, dialog.DialogId, dialog.DialogType, dialog.ClosedBy, dialog.ClosedCause, dialog.EndTs, observation));
        }

        if (previous is not null && current.SkillId != previous.SkillId)
            facts.Add(new SkillChanged(id, current.SkillId, at, observation));
        if (current.Ttr is not null && current.Ttr != previous?.Ttr)
            facts.Add(new TtrChanged(id, current.Ttr.TtrType, current.Ttr.Value, at, observation));
        if (current.Stage is not null && current.Stage != previous?.Stage && previous is not null)
            facts.Add(new StageChanged(id, current.Stage, at, observation));
        if (current.Csat is not null && current.Csat != previous?.Csat)
            facts.Add(new CsatSubmitted(id, current.Csat.Rate, current.Csat.ResolutionConfirmation, current.Csat.Status, at, observation));
        if (current.State == "CLOSE" && previous?.State != "CLOSE")
            facts.Add(new ConversationClosed(id, current.CloseReason, current.EndTs, observation));
        return facts;
    }
}
