namespace Grump.Hyper.Api.Storage;

/// <summary>What a storage backend can do, asked for by the code that depends on it rather than inferred from its type.</summary>
[Flags]
public enum StorageFeatures
{
    None = 0,

    /// <summary>Every process on every machine that is configured with it reads and writes the same state (Redis); a data folder serves one machine.</summary>
    SharedAcrossMachines = 1,

    /// <summary>Sources and stored values expire by themselves (Redis TTLs), so the retention sweep has nothing to sweep but job records.</summary>
    SourcesExpire = 2,
}

/// <summary>The backend behind the stores of every kind of state: its name, what it can do, and whether it works right now.</summary>
public interface IStorageBackend
{
    /// <summary>A short name for readiness and logs ("redis", "filesystem").</summary>
    string Kind { get; }

    StorageFeatures Features { get; }

    /// <summary>True when the store can be read and written right now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
