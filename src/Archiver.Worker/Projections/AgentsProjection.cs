using System.Text.Json;
using Archiver.Domain.Archive;
using Archiver.Domain.Events;
using Archiver.Domain.Projections;
using Archiver.Domain.Protocol;
using Archiver.Worker.Store;
using Npgsql;

namespace Archiver.Worker.Projections;

/// <summary>Keeps <c>readmodel.agents</c> from AgentProfileObserved events (migrations/0006_agents.sql): the latest profile wins.</summary>
public sealed class AgentsProjection : IInlineProjection
{
    private const string Prefix = "agent:";

    public string Name => "agents";

    public IReadOnlyList<string> Tables { get; } = ["readmodel.agents"];

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<RecordedEvent> events, ProjectionIssues issues, CancellationToken cancellationToken)
    {
        var latest = events.Where(e => e.Type == ArchiveEventTypes.AgentProfileObserved && StreamKeys.KindOf(e.StreamId) == StreamKind.Agent)
            .GroupBy(e => e.StreamId).Select(g => g.MaxBy(e => e.GlobalPosition)!).ToList();
        if (latest.Count == 0)
            return;
        var rows = latest.Select(e => issues.Fold(e, (e, found) =>
        {
            using var document = JsonLimits.Parse(e.Body);
            var p = document.RootElement;
            return (Id: e.StreamId[Prefix.Length..], Nickname: ProjectedValues.Text(p.Property("nickname").AsString(), "nickname", found),
                FullName: ProjectedValues.Text(p.Property("fullName").AsString(), "fullName", found),
                EmployeeId: ProjectedValues.Text(p.Property("employeeId").AsString(), "employeeId", found),
                Picture: ProjectedValues.Text(p.Property("pictureUrl").AsString(), "pictureUrl", found), e.GlobalPosition);
        })).ToList();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO readmodel.agents AS a (agent_id, nickname, full_name, employee_id, picture_url, global_position)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
            ON CONFLICT (agent_id) DO UPDATE SET nickname = excluded.nickname, full_name = excluded.full_name,
              employee_id = excluded.employee_id, picture_url = excluded.picture_url, global_position = excluded.global_position
            WHERE excluded.global_position > a.global_position
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Nickname).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.FullName).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.EmployeeId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = rows.Select(r => r.Picture).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = rows.Select(r => r.GlobalPosition).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
