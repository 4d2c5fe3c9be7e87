/** @jest-environment node */
import { detectHandoffs } from '../handoff';
import { IPersona } from '../persona';

function makePersona(
  id: string,
  name: string,
  handoffs: IPersona['handoffs'] = []
): IPersona {
  return {
    id,
    name,
    description: '',
    tools: null,
    model: null,
    handoffs,
    body: 'x',
    source: 'bundled',
    path: `personas/${id}.md`
  };
}

const dataEngineer = makePersona('data-engineer', 'Data Engineer', [
  { label: 'For Analytics Implementation', agent: 'business-analyst' },
  { label: 'For API Development', agent: 'api-engineer' },
  { label: 'For Security Implementation', agent: 'security-engineer' },
  { label: 'Missing target', agent: 'ghost-writer' }
]);
const others = [
  makePersona('business-analyst', 'Business Analyst'),
  makePersona('api-engineer', 'API Engineer'),
  makePersona('security-engineer', 'Security Reviewer')
];
const lookup = {
  get: (id: string) => [dataEngineer, ...others].find(p => p.id === id)
};
const agents = (reply: string) =>
  detectHandoffs(reply, dataEngineer, lookup).map(handoff => handoff.agent);

describe('detectHandoffs', () => {
  it('finds "Switch to **Name**"', () => {
    expect(
      agents(
        'The tables are ready. Switch to **Business Analyst** chatmode to define the KPIs.'
      )
    ).toEqual(['business-analyst']);
  });

  it("finds several, in the persona's order", () => {
    const reply = [
      'Next steps:',
      '- Switch to the **API Engineer** persona to expose the marts.',
      '- Then hand over to the Business Analyst for the KPI definitions.'
    ].join('\n');
    expect(agents(reply)).toEqual(['business-analyst', 'api-engineer']);
  });

  it('accepts hand off / hand over / handoff / transition, and the name before the verb', () => {
    expect(agents('I would hand this off to business analyst next.')).toEqual([
      'business-analyst'
    ]);
    expect(agents('Handoff: API Engineer, for the endpoints.')).toEqual([
      'api-engineer'
    ]);
    expect(
      agents('The Business Analyst persona is the one to switch to now.')
    ).toEqual(['business-analyst']);
    expect(agents('Consider transitioning to `api-engineer`.')).toEqual([
      'api-engineer'
    ]);
  });

  it("uses the target persona's own name as well as its id", () => {
    expect(agents('Switch to **Security Reviewer** for the audit.')).toEqual([
      'security-engineer'
    ]);
    expect(agents('Switch to Security Engineer for the audit.')).toEqual([
      'security-engineer'
    ]);
  });

  it('ignores mentions without a switch, negated switches and other sentences', () => {
    expect(agents('A Business Analyst would define these KPIs.')).toEqual([]);
    expect(agents('No need to switch to the Business Analyst yet.')).toEqual(
      []
    );
    expect(
      agents(
        'You can switch the engine to DuckDB. The Business Analyst defined these KPIs.'
      )
    ).toEqual([]);
    expect(
      agents(
        'Switch to the new partitioning scheme, which the API Engineerings team built.'
      )
    ).toEqual([]);
  });

  it('only suggests targets that exist, never the persona itself', () => {
    expect(agents('Switch to **Ghost Writer** chatmode.')).toEqual([]);
    const selfish = makePersona('data-engineer', 'Data Engineer', [
      { label: 'Me', agent: 'data-engineer' }
    ]);
    expect(
      detectHandoffs('Switch to Data Engineer.', selfish, {
        get: () => selfish
      })
    ).toEqual([]);
  });

  it('returns the handoff objects themselves', () => {
    const [handoff] = detectHandoffs(
      'Switch to **API Engineer**.',
      dataEngineer,
      lookup
    );
    expect(handoff).toBe(dataEngineer.handoffs[1]);
  });
});
