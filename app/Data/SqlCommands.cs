using System.Data;
using System.Data.Common;
using System.Globalization;

namespace SpecEditor.Data;

/// <summary>
/// Plain ADO.NET for the app's SQL: commands with typed parameters, rows read column by column. Nothing is generated at run
/// time, so it runs the same under Native AOT as under the JIT.
/// </summary>
/// <remarks>
/// Parameters are named without a prefix (<c>@name</c> in the SQL, <c>name</c> here); both providers bind them so. Strings,
/// integers, booleans and bytes carry their <see cref="DbType"/> even when null, so PostgreSQL knows a null's type; timestamps
/// follow <see cref="Timestamps"/>. The commands below dispose themselves when they have run.
/// </remarks>
internal static class SqlCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, string? value) => command.With(name, DbType.String, value);

    public static DbCommand With(this DbCommand command, string name, int? value) => command.With(name, DbType.Int32, value);

    public static DbCommand With(this DbCommand command, string name, long? value) => command.With(name, DbType.Int64, value);

    public static DbCommand With(this DbCommand command, string name, bool value) => command.With(name, DbType.Boolean, value);

    public static DbCommand With(this DbCommand command, string name, byte[] value) => command.With(name, DbType.Binary, value);

    public static DbCommand With(this DbCommand command, string name, DateTimeOffset? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (value is { } timestamp)
        {
            Timestamps.Write(parameter, timestamp);
        }
        else
        {
            parameter.Value = DBNull.Value;
        }

        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>Runs the statement; returns the number of rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this DbCommand command, CancellationToken cancellationToken = default)
    {
        await using (command)
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static int Execute(this DbCommand command)
    {
        using (command)
        {
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The first column of the first row; <c>default</c> when there is no row or the value is NULL. A value of another type
    /// is converted (SQLite answers integers where PostgreSQL answers booleans or 32-bit integers).
    /// </summary>
    public static async Task<T?> ScalarAsync<T>(this DbCommand command, CancellationToken cancellationToken = default)
    {
        await using (command)
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value switch
            {
                null or DBNull => default,
                T typed => typed,
                _ => (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture),
            };
        }
    }

    public static async Task<List<T>> QueryAsync<T>(this DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken = default)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    public static List<T> Query<T>(this DbCommand command, Func<DbDataReader, T> read)
    {
        using (command)
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    /// <summary>The one row the query returns, or null when it returns none; more than one is an error.</summary>
    public static async Task<T?> QuerySingleOrDefaultAsync<T>(this DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken = default)
        where T : class =>
        (await command.QueryAtMostOneAsync(read, cancellationToken).ConfigureAwait(false)).Row;

    /// <summary>The one row the query returns; none or more than one is an error.</summary>
    public static async Task<T> QuerySingleAsync<T>(this DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken = default)
    {
        var (found, row) = await command.QueryAtMostOneAsync(read, cancellationToken).ConfigureAwait(false);
        return found ? row! : throw new InvalidOperationException("Sequence contains no elements");
    }

    public static string Text(this DbDataReader reader, string column) => reader.Text(reader.GetOrdinal(column));

    public static string Text(this DbDataReader reader, int ordinal) => reader.GetString(ordinal);

    public static string? TextOrNull(this DbDataReader reader, string column) => reader.TextOrNull(reader.GetOrdinal(column));

    public static string? TextOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // SQLite reads every integer as a 64-bit one, PostgreSQL as the column's own width: both convert to the property's.
    public static int Int32(this DbDataReader reader, string column) => reader.Int32(reader.GetOrdinal(column));

    public static int Int32(this DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    public static int? Int32OrNull(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.Int32(ordinal);
    }

    public static long Int64(this DbDataReader reader, string column) => reader.Int64(reader.GetOrdinal(column));

    public static long Int64(this DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    public static long? Int64OrNull(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.Int64(ordinal);
    }

    // SQLite stores booleans as the integers 0 and 1.
    public static bool Boolean(this DbDataReader reader, string column) => reader.Boolean(reader.GetOrdinal(column));

    public static bool Boolean(this DbDataReader reader, int ordinal) => Convert.ToBoolean(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    public static DateTimeOffset Timestamp(this DbDataReader reader, string column) => Timestamps.Read(reader.GetValue(reader.GetOrdinal(column)));

    public static DateTimeOffset? TimestampOrNull(this DbDataReader reader, string column)
    {
        var ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : Timestamps.Read(reader.GetValue(ordinal));
    }

    private static DbCommand With(this DbCommand command, string name, DbType type, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    private static async Task<(bool Found, T? Row)> QueryAtMostOneAsync<T>(this DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (false, default);
            }

            var row = read(reader);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? throw new InvalidOperationException("Sequence contains more than one element")
                : (true, row);
        }
    }
}
