using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The linker on int indexes links exactly as the string-keyed one it replaced (<see cref="ReferenceLinker"/>), on
/// random projects with everything the link reports: duplicate ids and routes, unknown and repeated depends, a module
/// depending on itself, cycles, modules given out of path and id order, and depends written without a location.
/// </summary>
public sealed class LinkerEquivalenceTests
{
    internal sealed record Spec(int Id, int Path, int Route, int[] Depends, bool Located);

    // Ids drawn from fewer values than there are modules, so some repeat; a depend past the ids is unknown.
    private static readonly Gen<Spec[]> Projects = Gen.Int[1, 30].SelectMany(n =>
        Gen.Select(Gen.Int[0, n + 2], Gen.Int[0, 3 * n], Gen.Int[-3, 6], Gen.Int[0, n + 4].Array[0, 5], Gen.Int[0, 4], (id, path, route, depends, located) =>
            new Spec(id, path, route, depends, located > 0)).Array[n]);

    private static CompiledModule[] Modules(Spec[] specs) =>
        [.. specs.Select((s, i) => new CompiledModule
        {
            Id = $"m{s.Id:00}",
            Path = $"p{s.Path:000}.intent",
            Sha256 = $"{i:x64}",
            Bytes = 10,
            Route = s.Route < 0 ? null : $"/r{s.Route}",
            Depends = [.. s.Depends.Select(d => $"m{d:00}")],
            Locations = new ModuleLocations(new(1, 1 + i), new(2, 1 + i), s.Located ? [.. s.Depends.Select((_, k) => new SourceLocation(3 + k, 10))] : []),
        })];

    [Fact]
    public void Links_exactly_as_the_string_keyed_linker_did()
    {
        Projects.Sample(specs =>
        {
            var modules = Modules(specs);
            var expected = ReferenceLinker.Link(modules);
            var actual = Linker.Link(modules);
            Assert.Equal(expected.Modules.AsEnumerable(), actual.Modules.AsEnumerable(), ReferenceEqualityComparer.Instance);
            Assert.Equal(expected.Edges.Keys, actual.Edges.Keys);
            foreach (var (id, deps) in expected.Edges)
            {
                Assert.Equal(deps.AsEnumerable(), actual.Edges[id].AsEnumerable());
            }

            Assert.Equal(expected.Order.AsEnumerable(), actual.Order.AsEnumerable());
            Assert.Equal(expected.Diagnostics.Select(d => d.ToString()), actual.Diagnostics.Select(d => d.ToString()));
        }, iter: 2000);
    }

    [Fact]
    public void Orders_any_edge_map_as_the_string_keyed_linker_did()
    {
        // Edges as callers may hand them: depends in any order, and cycles.
        var graphs = Gen.Int[1, 25].SelectMany(n => Gen.Int[0, n - 1].Array[0, 4].Array[n]);
        graphs.Sample(graph =>
        {
            var edges = graph.Select((deps, i) => (Id: $"m{i:00}", Deps: deps.Distinct().Select(d => $"m{d:00}").ToImmutableArray()))
                .Reverse().ToDictionary(x => x.Id, x => x.Deps, StringComparer.Ordinal);
            Assert.Equal(ReferenceLinker.TopologicalOrder(edges).AsEnumerable(), Linker.TopologicalOrder(edges).AsEnumerable());
        }, iter: 1000);
    }

    [Fact]
    public void Reports_the_shortest_cycle_once_at_the_depend_that_starts_it()
    {
        // m00 -> m01 -> m02 -> m00, and m01 -> m00 directly: the shortest cycle from the smallest id is m00 -> m01 -> m00.
        var modules = Modules([new Spec(0, 0, -1, [1], true), new Spec(1, 1, -1, [2, 0], true), new Spec(2, 2, -1, [0], true)]);
        var cycle = Assert.Single(Linker.Link(modules).Diagnostics);
        Assert.Equal("p000.intent:3:10: error GH1032: Dependency cycle: m00 -> m01 -> m00", cycle.ToString());
    }
}
