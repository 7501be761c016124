/*
 * tree: pointer-chasing and linked structures in a static arena.
 * Exercises: dependent loads (pointer chasing), recursion (insert, in-order
 * traversal, height, subtree sums), struct field access through pointers,
 * unpredictable branches on key compares.
 * Export: int bench_tree(int reps)
 * Each repetition builds an unbalanced binary search tree of 20000 random
 * keys (duplicates counted), looks up 20000 keys, walks it recursively
 * three ways, rotates every node's children on a recursive mirror pass,
 * and follows a 20000-node random cyclic linked list (Sattolo) 10 rounds.
 */
#define NODES 20000

struct node {
    unsigned key;
    unsigned count;
    struct node *left, *right;
};

struct link {
    struct link *next;
    unsigned val;
};

static struct node arena[NODES];
static struct link links[NODES];
static int nused;
static unsigned rng;

static unsigned xs32(void)
{
    unsigned x = rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng = x;
    return x;
}

static struct node *insert(struct node *t, unsigned key)
{
    if (!t) {
        struct node *n = &arena[nused++];
        n->key = key;
        n->count = 1;
        n->left = n->right = 0;
        return n;
    }
    if (key < t->key)
        t->left = insert(t->left, key);
    else if (key > t->key)
        t->right = insert(t->right, key);
    else
        t->count++;
    return t;
}

static unsigned lookup(struct node *t, unsigned key)
{
    while (t) {
        if (key == t->key)
            return t->count;
        t = key < t->key ? t->left : t->right;
    }
    return 0;
}

static unsigned inorder(struct node *t, unsigned acc)
{
    if (!t)
        return acc;
    acc = inorder(t->left, acc);
    acc = (acc * 31u) ^ t->key ^ (t->count << 24);
    return inorder(t->right, acc);
}

static int height(struct node *t)
{
    if (!t)
        return 0;
    int l = height(t->left), r = height(t->right);
    return 1 + (l > r ? l : r);
}

static unsigned mirror_sum(struct node *t, int depth)
{
    if (!t)
        return 0;
    struct node *tmp = t->left;
    t->left = t->right;
    t->right = tmp;
    return t->key * (unsigned)depth + mirror_sum(t->left, depth + 1)
           + (mirror_sum(t->right, depth + 1) ^ (unsigned)depth);
}

int bench_tree(int reps)
{
    unsigned check = 0xb5ad4eceu;
    for (int r = 0; r < reps; r++) {
        rng = 0x1234567u + (unsigned)r * 7919u;
        nused = 0;
        struct node *root = 0;
        for (int i = 0; i < NODES; i++)
            root = insert(root, xs32() % 50000u);
        unsigned found = 0;
        for (int i = 0; i < NODES; i++)
            found += lookup(root, xs32() % 50000u);
        unsigned io = inorder(root, 0);
        int h = height(root);
        unsigned ms = mirror_sum(root, 1);
        unsigned io2 = inorder(root, 0);  /* mirrored: descending order */

        /* Sattolo's algorithm: a single random cycle through all links */
        for (int i = 0; i < NODES; i++) {
            links[i].val = (unsigned)i;
            links[i].next = &links[i];
        }
        static int perm[NODES];
        for (int i = 0; i < NODES; i++)
            perm[i] = i;
        for (int i = NODES - 1; i > 0; i--) {
            int j = (int)(xs32() % (unsigned)i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int i = 0; i < NODES; i++)
            links[i].next = &links[perm[i]];
        unsigned walk = 0;
        struct link *p = &links[0];
        for (int k = 0; k < 10 * NODES; k++) {
            walk = walk * 3u + p->val;
            p = p->next;
        }
        check = (check * 1000003u) ^ found ^ io ^ (io2 << 1) ^ ((unsigned)h << 20)
                ^ ms ^ walk ^ (unsigned)nused;
    }
    return (int)check;
}
