using SpecEditor.Hosting;

namespace SpecEditor.Data;

public static class DataRegistration
{
    /// <summary>The app database (SQLite by default, PostgreSQL via DATABASE_URL), migrated before the app serves.</summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<DatabaseSettings>(builder.Configuration);
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<DatabaseMigrationService>();
        return builder;
    }
}
