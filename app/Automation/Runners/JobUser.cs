using System.Globalization;

namespace SpecEditor.Automation.Runners;

/// <summary>Which user jobs run as: never root. Default: the app's own user, or nobody (65534) when the app runs as root.</summary>
public static class JobUser
{
    public const string Nobody = "65534:65534";

    /// <param name="configured"><c>AUTOMATION_JOB_USER</c>, already validated.</param>
    /// <returns>The <c>uid:gid</c> for jobs, and whether it differs from the app's, so the workspace must be opened to it.</returns>
    public static (string User, bool DiffersFromApp) Resolve(string? configured)
    {
        var (uid, gid) = Current();
        var appUser = $"{uid}:{gid}";
        var user = configured is { Length: > 0 } value
            ? (value.Contains(':', StringComparison.Ordinal) ? value : $"{value}:{value}")
            : uid == 0 ? Nobody : appUser;
        return (user, user.Split(':')[0] != uid.ToString(CultureInfo.InvariantCulture));
    }

    private static (long Uid, long Gid) Current()
    {
        try
        {
            long uid = -1, gid = -1;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    uid = long.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Gid:", StringComparison.Ordinal))
                {
                    gid = long.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }

            return (uid, gid);
        }
        catch (IOException)
        {
            // Not Linux: jobs run in a Linux VM anyway; nobody is a safe choice.
            return (0, 0);
        }
    }
}
