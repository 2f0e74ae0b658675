namespace SpecEditor.Benchmarks;

/// <summary>One benchmark command: measures, prints its figures next to their targets, and exits non-zero if it could not measure.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args);
}
