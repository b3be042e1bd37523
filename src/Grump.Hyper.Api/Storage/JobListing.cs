namespace Grump.Hyper.Api.Storage;

/// <summary>
/// Paging shared by the stores. Job ids are version-7 GUIDs in hex, so ordinal order is creation order
/// and "newest first, below the cursor" is a plain descending walk over ids.
/// </summary>
internal static class JobListing
{
    public const int MaxLimit = 100;

    /// <summary>How many records one page may examine, so a rare filter cannot scan the whole store.</summary>
    public const int MaxExamined = 5000;

    public static async Task<(IReadOnlyList<JobRecord>, string?)> PageAsync(IEnumerable<string> idsNewestFirst, Func<string, Task<JobRecord?>> load, string tenant, JobQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var page = new List<JobRecord>(limit);
        var examined = 0;
        string? last = null;
        foreach (var id in idsNewestFirst)
        {
            if (query.Cursor is not null && string.CompareOrdinal(id, query.Cursor) >= 0)
            {
                continue;
            }

            if (++examined > MaxExamined)
            {
                return (page, last);
            }

            last = id;
            var job = await load(id);
            if (job is null || job.Tenant != tenant || (query.Status is not null && job.Status != query.Status) || (query.Label is not null && job.Label != query.Label))
            {
                continue;
            }

            page.Add(job);
            if (page.Count == limit)
            {
                return (page, id);
            }
        }

        return (page, null);
    }
}
