using System.Text;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Testing;

/// <summary>A seeded, realistic project: folders, headers with routes, lazy and vendor modules, acyclic depends, English bodies.</summary>
public static class ProjectGenerator
{
    private static readonly string[] Actors = ["customer", "admin", "merchant", "support agent", "developer", "guest", "manager", "analyst"];
    private static readonly string[] Features = ["a shopping cart", "checkout with Stripe", "order history", "full-text search", "a dashboard with charts", "role-based access control",
        "push notifications", "CSV export", "an audit log", "two-factor authentication", "product reviews", "a wishlist", "real-time updates", "webhooks", "file uploads",
        "a booking calendar", "dark mode", "an admin panel", "rate limiting", "background jobs"];
    private static readonly string[] Tech = ["React", "PostgreSQL", "Redis", "Node.js", "TypeScript", "Kafka", "Docker", "Kubernetes", "Vue", "MongoDB", "Tailwind", "GraphQL", "AWS Lambda", "Go"];
    private static readonly string[] Verbs = ["Build", "Integrate", "Migrate", "Configure", "Deploy", "Refactor", "Test", "Add"];

    public static List<SourceFile> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var files = new List<SourceFile>(count + 1)
        {
            new("grump.json", Encoding.UTF8.GetBytes("""{ "name": "generated", "vendor": ["vendor/**"], "split": { "minChunkBytes": 20000, "maxInitialChunks": 30, "maxAsyncChunks": 30 } }""")),
        };
        for (var i = 0; i < count; i++)
        {
            files.Add(new SourceFile(Path(i), Encoding.UTF8.GetBytes(Body(i, random))));
        }

        return files;
    }

    /// <summary>The same project with a fraction of its files edited (a sentence appended).</summary>
    public static List<SourceFile> Change(List<SourceFile> files, double fraction, int seed)
    {
        var random = new Random(seed);
        return [.. files.Select(f => f.Path.EndsWith(".intent", StringComparison.Ordinal) && random.NextDouble() < fraction
            ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(f.Content.Span) + "\nAlso add an audit log for admins.\n"))
            : f)];
    }

    /// <summary>The same project with exactly <paramref name="count"/> files' bodies edited (a sentence appended).</summary>
    public static List<SourceFile> ChangeFiles(List<SourceFile> files, int count, int seed)
    {
        var intents = files.Select((f, i) => (f, i)).Where(x => x.f.Path.EndsWith(".intent", StringComparison.Ordinal)).Select(x => x.i).ToList();
        var random = new Random(seed);
        var picked = intents.OrderBy(_ => random.Next()).Take(count).ToHashSet();
        return [.. files.Select((f, i) => picked.Contains(i)
            ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(f.Content.Span) + "\nAlso add an audit log for admins.\n"))
            : f)];
    }

    /// <summary>The same project with one module's header given one more dependency (on a module it does not reach yet: no cycle).</summary>
    public static List<SourceFile> ChangeHeader(List<SourceFile> files, int seed)
    {
        var random = new Random(seed);
        var intents = files.Where(f => f.Path.EndsWith(".intent", StringComparison.Ordinal) && !f.Path.StartsWith("vendor/", StringComparison.Ordinal)).ToList();
        var target = intents[intents.Count / 2 + random.Next(intents.Count / 2)];
        var number = int.Parse(target.Path[^12..^7], System.Globalization.CultureInfo.InvariantCulture);
        var dependency = Id(random.Next(Math.Max(1, number))); // generated depends only point to lower numbers, so this adds no cycle
        return [.. files.Select(f => f == target
            ? new SourceFile(f.Path, Encoding.UTF8.GetBytes(AddDependency(Encoding.UTF8.GetString(f.Content.Span), dependency)))
            : f)];
    }

    private static string AddDependency(string text, string dependency) => text.Contains("depends: [", StringComparison.Ordinal)
        ? text.Replace("depends: [", $"depends: [{dependency}, ", StringComparison.Ordinal)
        : text.Replace("priority:", $"depends: [{dependency}]\npriority:", StringComparison.Ordinal);

    private static string Path(int i) => (i % 20 == 19 ? "vendor/" : string.Empty) + $"area{i % 37:00}/module{i:00000}.intent";

    private static string Id(int i) => Path(i)[..^".intent".Length];

    private static string Body(int i, Random random)
    {
        var sb = new StringBuilder("---\n");
        sb.Append("title: Module ").Append(i).Append('\n');
        sb.Append("actors: [").Append(Actors[random.Next(Actors.Length)]).Append(", ").Append(Actors[random.Next(Actors.Length)]).Append("]\n");
        if (i % 20 == 0)
        {
            sb.Append("route: /r").Append(i).Append('\n');
        }

        if (i % 20 == 7)
        {
            sb.Append("lazy: true\n");
        }

        var deps = Enumerable.Range(0, i == 0 ? 0 : random.Next(0, 4)).Select(_ => Id(random.Next(i))).Distinct().ToList();
        if (deps.Count > 0)
        {
            sb.Append("depends: [").Append(string.Join(", ", deps)).Append("]\n");
        }

        sb.Append("priority: ").Append(1 + random.Next(5)).Append("\n---\n");
        for (var s = 0; s < 4 + random.Next(6); s++)
        {
            switch (random.Next(4))
            {
                case 0:
                    sb.Append("As a ").Append(Actors[random.Next(Actors.Length)]).Append(" I want ").Append(Features[random.Next(Features.Length)])
                        .Append(" and ").Append(Features[random.Next(Features.Length)]).Append(".\n");
                    break;
                case 1:
                    sb.Append(Verbs[random.Next(Verbs.Length)]).Append(' ').Append(Features[random.Next(Features.Length)]).Append(" with ")
                        .Append(Tech[random.Next(Tech.Length)]).Append(" and ").Append(Tech[random.Next(Tech.Length)]).Append(".\n");
                    break;
                case 2:
                    sb.Append("Don't use ").Append(Tech[random.Next(Tech.Length)]).Append("; no ").Append(Features[random.Next(Features.Length)]).Append(" for now.\n");
                    break;
                default:
                    sb.Append("The team keeps the existing behaviour and documents every change in the changelog, so that support can answer questions quickly.\n");
                    break;
            }
        }

        return sb.ToString();
    }
}
