using SpecEditor.Benchmarks;

// dotnet run -c Release --project tests/SpecEditor.Benchmarks -- <benchmark> [options]
IBenchmark[] benchmarks =
[
    new FoundationBenchmark(),
    new GitHubCallsBenchmark(),
    new EngineBenchmark(),
    new ImageBenchmark(),
];

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/SpecEditor.Benchmarks -- <benchmark> [options]");
    foreach (var benchmark in benchmarks)
    {
        Console.Error.WriteLine($"  {benchmark.Name,-16} {benchmark.Description}");
    }

    return 2;
}

return await chosen.RunAsync(args[1..]);
