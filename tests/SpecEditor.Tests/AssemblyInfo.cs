using SpecEditor.Tests.TestSupport;

// One PostgreSQL server for the whole test run; every test that needs it takes its own database.
[assembly: AssemblyFixture(typeof(PostgresServer))]
