using Dapper;
using SpecEditor.Data;

namespace SpecEditor.Specs.Local;

/// <summary>Change requests of the local store, kept in the app's database beside the git branches they describe.</summary>
public sealed class LocalChangeRepository(Database database)
{
    private const string Columns =
        "id AS Id, customer AS Customer, environment AS Environment, kind AS Kind, title AS Title, description AS Description, " +
        "branch AS Branch, base_commit AS BaseCommit, head_commit AS HeadCommit, author_name AS AuthorName, author_email AS AuthorEmail, " +
        "state AS State, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>Claims the pod's single open-change slot; the unique index refuses a second open change for the same pod.</summary>
    public async Task<long?> TryInsertOpenAsync(ChangeProposal proposal, string baseCommit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO change_requests (customer, environment, kind, title, description, branch, base_commit, head_commit,
                                             author_name, author_email, state, created_at, updated_at)
                VALUES (@Customer, @Environment, @Kind, @Title, @Description, '', @BaseCommit, NULL,
                        @AuthorName, @AuthorEmail, 'open', @Now, @Now)
                RETURNING id
                """,
                new
                {
                    proposal.Pod.Customer,
                    proposal.Pod.Environment,
                    Kind = proposal.Kind.ToString().ToLowerInvariant(),
                    proposal.Title,
                    proposal.Description,
                    BaseCommit = baseCommit,
                    AuthorName = proposal.Author.Name,
                    AuthorEmail = proposal.Author.Email,
                    Now = now,
                },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task CompleteAsync(long id, string branch, string headCommit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE change_requests SET branch = @branch, head_commit = @headCommit, updated_at = @now WHERE id = @id",
            new { id, branch, headCommit, now },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task DeleteAsync(long id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM change_requests WHERE id = @id", new { id }).ConfigureAwait(false);
    }

    /// <summary>Moves an open change to a final state; false when it was no longer open.</summary>
    public async Task<bool> FinishAsync(long id, ChangeState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE change_requests SET state = @state, updated_at = @now WHERE id = @id AND state = 'open'",
            new { id, state = state.ToString().ToLowerInvariant(), now },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows == 1;
    }

    public async Task<ChangeRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ChangeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM change_requests WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<ChangeRow?> FindOpenAsync(PodId pod, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ChangeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM change_requests WHERE customer = @Customer AND environment = @Environment AND state = 'open'",
            new { pod.Customer, pod.Environment },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChangeRow>> ListAsync(ChangeState? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var sql = state is null
            ? $"SELECT {Columns} FROM change_requests ORDER BY id DESC LIMIT @limit"
            : $"SELECT {Columns} FROM change_requests WHERE state = @state ORDER BY id DESC LIMIT @limit";
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            sql, new { state = state?.ToString().ToLowerInvariant(), limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Open rows whose branch was never written: left behind by a crash between the insert and the commit.</summary>
    public async Task<IReadOnlyList<ChangeRow>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM change_requests WHERE state = 'open' AND head_commit IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.AsList();
    }

    public sealed class ChangeRow
    {
        public long Id { get; init; }

        public string Customer { get; init; } = "";

        public string Environment { get; init; } = "";

        public string Kind { get; init; } = "";

        public string Title { get; init; } = "";

        public string Description { get; init; } = "";

        public string Branch { get; init; } = "";

        public string BaseCommit { get; init; } = "";

        public string? HeadCommit { get; init; }

        public string AuthorName { get; init; } = "";

        public string AuthorEmail { get; init; } = "";

        public string State { get; init; } = "";

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public ChangeRequest ToChangeRequest() => new(
            Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new PodId(Customer, Environment),
            Enum.Parse<ChangeKind>(Kind, ignoreCase: true),
            Title,
            Description,
            Branch,
            BaseCommit,
            HeadCommit,
            AuthorName,
            CreatedAt,
            UpdatedAt,
            Enum.Parse<ChangeState>(State, ignoreCase: true),
            ExternalUrl: null);
    }
}
