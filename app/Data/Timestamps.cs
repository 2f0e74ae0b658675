using System.Data;
using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SpecEditor.Data;

/// <summary>
/// How timestamps are stored: in UTC, as fixed-width ISO-8601 text on SQLite and as timestamptz on PostgreSQL. Either reads
/// back as a <see cref="DateTimeOffset"/> at offset zero, so the same row types work on both databases.
/// </summary>
internal static class Timestamps
{
    private const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static DateTimeOffset Read(object value) => value switch
    {
        DateTimeOffset timestamp => timestamp.ToUniversalTime(),
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime(),
        _ => throw new DataException($"cannot read a timestamp from {value.GetType().Name}"),
    };

    public static void Write(DbParameter parameter, DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        if (parameter is SqliteParameter)
        {
            // Fixed-width ISO-8601 text sorts in time order.
            parameter.DbType = DbType.String;
            parameter.Value = utc.ToString(SqliteFormat, CultureInfo.InvariantCulture);
        }
        else
        {
            parameter.Value = utc;
        }
    }
}
