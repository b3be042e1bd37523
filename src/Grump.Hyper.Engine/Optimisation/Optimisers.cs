namespace Grump.Hyper.Engine.Optimisation;

/// <summary>A search over integer vectors: gene i takes a value in [Min, Max]. Lower cost is better.</summary>
public sealed record SearchProblem(int Length, int Min, int Max, Func<int[], double> Cost, int[] Start);

/// <summary>A seeded metaheuristic: the same problem and seed give the same answer, never worse than the start.</summary>
public interface IOptimiser
{
    string Name { get; }

    int[] Optimise(SearchProblem problem, int seed, int evaluations);
}

/// <summary>Simulated annealing: random single-gene moves, accepted downhill always and uphill with probability e^(-Δ/T).</summary>
public sealed class SimulatedAnnealing : IOptimiser
{
    public string Name => "annealing";

    public int[] Optimise(SearchProblem problem, int seed, int evaluations)
    {
        var random = new Random(seed);
        var current = (int[])problem.Start.Clone();
        var currentCost = problem.Cost(current);
        var best = (int[])current.Clone();
        var bestCost = currentCost;
        if (problem.Length == 0)
        {
            return best;
        }

        var temperature = Math.Max(1, Math.Abs(currentCost) * 0.05);
        var cooling = Math.Pow(1e-3, 1.0 / Math.Max(1, evaluations));
        for (var i = 0; i < evaluations; i++, temperature *= cooling)
        {
            var gene = random.Next(problem.Length);
            var old = current[gene];
            current[gene] = random.Next(problem.Min, problem.Max + 1);
            var cost = problem.Cost(current);
            if (cost <= currentCost || random.NextDouble() < Math.Exp((currentCost - cost) / temperature))
            {
                currentCost = cost;
                if (cost < bestCost)
                {
                    (best, bestCost) = ((int[])current.Clone(), cost);
                }
            }
            else
            {
                current[gene] = old;
            }
        }

        return best;
    }
}

/// <summary>A genetic algorithm: tournament selection, uniform crossover, per-gene mutation, the best kept each generation.</summary>
public sealed class GeneticAlgorithm : IOptimiser
{
    private const int Population = 24;

    public string Name => "genetic";

    public int[] Optimise(SearchProblem problem, int seed, int evaluations)
    {
        var random = new Random(seed);
        var population = new List<(int[] Genes, double Cost)> { Scored(problem, (int[])problem.Start.Clone()) };
        while (population.Count < Population)
        {
            population.Add(Scored(problem, Mutate(problem, (int[])problem.Start.Clone(), random, 0.2)));
        }

        var generations = Math.Max(1, (evaluations / Population) - 1);
        for (var g = 0; g < generations; g++)
        {
            population.Sort((a, b) => a.Cost.CompareTo(b.Cost));
            var next = new List<(int[], double)> { population[0], population[1] };
            while (next.Count < Population)
            {
                var a = Tournament(population, random);
                var b = Tournament(population, random);
                var child = new int[problem.Length];
                for (var i = 0; i < child.Length; i++)
                {
                    child[i] = random.Next(2) == 0 ? a[i] : b[i];
                }

                next.Add(Scored(problem, Mutate(problem, child, random, 1.0 / Math.Max(1, problem.Length))));
            }

            population = next;
        }

        return population.MinBy(p => p.Cost).Genes;
    }

    private static (int[], double) Scored(SearchProblem problem, int[] genes) => (genes, problem.Cost(genes));

    private static int[] Tournament(List<(int[] Genes, double Cost)> population, Random random)
    {
        var a = population[random.Next(population.Count)];
        var b = population[random.Next(population.Count)];
        return a.Cost <= b.Cost ? a.Genes : b.Genes;
    }

    private static int[] Mutate(SearchProblem problem, int[] genes, Random random, double rate)
    {
        for (var i = 0; i < genes.Length; i++)
        {
            if (random.NextDouble() < rate)
            {
                genes[i] = random.Next(problem.Min, problem.Max + 1);
            }
        }

        return genes;
    }
}

/// <summary>Particle swarm over [Min, Max] per gene, rounded to integers when scored.</summary>
public sealed class ParticleSwarm : IOptimiser
{
    private const int Particles = 16;
    private const double Inertia = 0.7;
    private const double Cognitive = 1.5;
    private const double Social = 1.5;

    public string Name => "swarm";

    public int[] Optimise(SearchProblem problem, int seed, int evaluations)
    {
        var random = new Random(seed);
        var n = problem.Length;
        var span = problem.Max - problem.Min;
        var position = new double[Particles][];
        var velocity = new double[Particles][];
        var personal = new double[Particles][];
        var personalCost = new double[Particles];
        var global = problem.Start.Select(v => (double)v).ToArray();
        var globalCost = problem.Cost(problem.Start);
        for (var p = 0; p < Particles; p++)
        {
            position[p] = p == 0 ? (double[])global.Clone() : [.. Enumerable.Range(0, n).Select(_ => problem.Min + (random.NextDouble() * span))];
            velocity[p] = [.. Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.5) * span * 0.2)];
            personal[p] = (double[])position[p].Clone();
            personalCost[p] = problem.Cost(Round(problem, position[p]));
        }

        for (var iteration = 0; iteration < Math.Max(1, evaluations / Particles); iteration++)
        {
            for (var p = 0; p < Particles; p++)
            {
                for (var i = 0; i < n; i++)
                {
                    velocity[p][i] = (Inertia * velocity[p][i]) + (Cognitive * random.NextDouble() * (personal[p][i] - position[p][i]))
                        + (Social * random.NextDouble() * (global[i] - position[p][i]));
                    position[p][i] = Math.Clamp(position[p][i] + velocity[p][i], problem.Min, problem.Max);
                }

                var cost = problem.Cost(Round(problem, position[p]));
                if (cost < personalCost[p])
                {
                    (personal[p], personalCost[p]) = ((double[])position[p].Clone(), cost);
                }

                if (cost < globalCost)
                {
                    (global, globalCost) = ((double[])position[p].Clone(), cost);
                }
            }
        }

        return Round(problem, global);
    }

    private static int[] Round(SearchProblem problem, double[] position) =>
        [.. position.Select(v => Math.Clamp((int)Math.Round(v), problem.Min, problem.Max))];
}
