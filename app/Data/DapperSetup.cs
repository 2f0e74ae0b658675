using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace SpecEditor.Data;

/// <summary>Lets the same row types read timestamps from SQLite (ISO-8601 text) and PostgreSQL (timestamptz).</summary>
internal static class DapperSetup
{
    private static int _configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 0)
        {
            SqlMapper.AddTypeHandler(new TimestampHandler());
            SqlMapper.AddTypeHandler(new NullableTimestampHandler());
        }
    }

    private static DateTimeOffset ToTimestamp(object value) => value switch
    {
        DateTimeOffset timestamp => timestamp.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
        _ => throw new DataException($"cannot read a timestamp from {value.GetType().Name}"),
    };

    private static void Write(IDbDataParameter parameter, DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        if (parameter is SqliteParameter)
        {
            // Fixed-width ISO-8601 text sorts in time order.
            parameter.DbType = DbType.String;
            parameter.Value = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        }
        else
        {
            parameter.Value = utc;
        }
    }

    private sealed class TimestampHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override DateTimeOffset Parse(object value) => ToTimestamp(value);

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => Write(parameter, value);
    }

    private sealed class NullableTimestampHandler : SqlMapper.TypeHandler<DateTimeOffset?>
    {
        public override DateTimeOffset? Parse(object value) => value is null or DBNull ? null : ToTimestamp(value);

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset? value)
        {
            if (value is { } timestamp)
            {
                Write(parameter, timestamp);
            }
            else
            {
                parameter.Value = DBNull.Value;
            }
        }
    }
}
