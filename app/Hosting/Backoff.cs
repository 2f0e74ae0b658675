namespace SpecEditor.Hosting;

/// <summary>
/// Exponential backoff with full jitter: attempt n waits a random time up to min(max, base·2ⁿ⁻¹), at least half of it.
/// Shared by the automation engine's step retries and the GitHub client's request retries.
/// </summary>
public static class Backoff
{
    public static TimeSpan Delay(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Random random)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));

        // Half fixed, half random: retries of work that failed together (runs, replicas) spread out, yet never retry at once.
        return TimeSpan.FromMilliseconds((ceiling / 2) + (random.NextDouble() * ceiling / 2));
    }
}
