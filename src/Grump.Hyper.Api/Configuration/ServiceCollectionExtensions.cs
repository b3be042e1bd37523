using Microsoft.Extensions.DependencyInjection.Extensions;
using Grump.Hyper.Api.Auth;
using Grump.Hyper.Api.Jobs;
using Grump.Hyper.Api.Webhooks;
using Grump.Hyper.Api.Storage;
using Grump.Hyper.Engine.Caching;
using Grump.Hyper.Engine.Pipeline;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.Redis.StackExchange;
using StackExchange.Redis;

namespace Grump.Hyper.Api.Configuration;

public static class ServiceCollectionExtensions
{
    /// <summary>The engine, the job store and options. Redis when <c>ConnectionStrings:Hangfire</c> is set, a data folder otherwise.</summary>
    public static IServiceCollection AddHyperCore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<HyperApiOptions>().BindConfiguration(HyperApiOptions.Section)
            .Validate(o => o.Limits.MaxArchiveBytes > 0 && o.Limits.MaxEntries > 0 && o.RetryAfterSeconds >= 0 && o.Retention > TimeSpan.Zero, "Hyper limits and retention must be positive.")
            .ValidateOnStart();
        // L2 module cache in Redis when ConnectionStrings:Cache is set (its own connection: a cache Redis
        // may evict freely, the Hangfire one must not); without it, L1 in this process only.
        var cache = configuration.GetConnectionString("Cache");
        if (!string.IsNullOrWhiteSpace(cache))
        {
            var cacheOptions = ConfigurationOptions.Parse(cache);
            cacheOptions.AbortOnConnectFail = false;
            services.AddKeyedSingleton<IConnectionMultiplexer>("cache", (_, _) => ConnectionMultiplexer.Connect(cacheOptions));
            services.AddSingleton(sp => new ModuleCache(l2: new RedisModuleStore(sp.GetRequiredKeyedService<IConnectionMultiplexer>("cache"))));
        }
        else
        {
            services.AddSingleton(new ModuleCache());
        }

        services.AddSingleton<HyperCompiler>();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section);
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<Observability.ApiMetrics>();
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.SigningSecret) || WebhookSigner.TryDecodeSecret(o.SigningSecret, out _), "Webhooks:SigningSecret must be whsec_ + base64 of 24 to 64 bytes.")
            .ValidateOnStart();
        services.AddSingleton<WebhookAddressGuard>();
        services.AddSingleton<WebhookPipelines>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddTransient<WebhookJob>();
        services.AddHttpClient(WebhookJob.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers() // callback URLs may carry tokens; never log them
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                ConnectCallback = sp.GetRequiredService<WebhookAddressGuard>().ConnectAsync,
            });

        var redis = configuration.GetConnectionString("Hangfire");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = false;
            options.AllowAdmin = true; // lets the start-up check read maxmemory-policy; nothing here sends destructive commands
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
            services.AddSingleton<IJobStore>(sp => new RedisJobStore(sp.GetRequiredService<IConnectionMultiplexer>()));
        }
        else
        {
            services.AddSingleton<IJobStore>(sp =>
            {
                var dataPath = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<HyperApiOptions>>().Value.DataPath;
                return new FileJobStore(Path.IsPathRooted(dataPath) ? dataPath : Path.Combine(contentRoot, dataPath));
            });
        }

        return services;
    }

    /// <summary>
    /// Hangfire with this host's own storage instance in DI (never the static JobStorage.Current, so several
    /// hosts can share one process in tests) and a server for the compile queue.
    /// </summary>
    public static IServiceCollection AddHyperHangfire(this IServiceCollection services, IConfiguration configuration)
    {
        var redis = configuration.GetConnectionString("Hangfire");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // Compiles take seconds, so a job whose worker died is handed out again after minutes, not
            // Hangfire's default 30: long enough for the largest compile, short enough to recover quickly.
            var invisibility = configuration.GetValue<TimeSpan?>($"{HyperApiOptions.Section}:Distributed:InvisibilityTimeout") ?? TimeSpan.FromMinutes(5);
            services.AddSingleton<JobStorage>(sp => new RedisStorage(sp.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions
            {
                Prefix = "{grump-hangfire}:",
                Db = ConfigurationOptions.Parse(redis).DefaultDatabase ?? 0,
                InvisibilityTimeout = invisibility,
            }));
            services.AddHostedService<RedisPolicyCheck>();
        }
        else
        {
            services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions()));
        }

        // Jobs are activated from this host's own container, not from the process-wide JobActivator.Current.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new ResilientLogProvider(sp.GetRequiredService<ILoggerFactory>())));
        services.AddTransient<CompileJob>();
        services.AddTransient<RetentionJob>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<RetentionSchedule>();
        services.AddHangfireServer((sp, server) =>
        {
            var workers = configuration.GetValue<int>($"{HyperApiOptions.Section}:{nameof(HyperApiOptions.WorkerCount)}");
            server.WorkerCount = workers > 0 ? workers : Environment.ProcessorCount;
            server.Queues = [CompileJob.Queue, WebhookDispatcher.Queue, "default"];
            server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("n")[..6]}";
            server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return services;
    }
}
