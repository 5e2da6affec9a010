// Commands of common LaTeX packages that MathJax 3 lacks, as MathJax macro definitions
// (name → body, [body, argument count] or [body, argument count, default of the optional first
// argument]). Chosen from the most frequent unknown commands of the corpus outside hep-th.
// A document's own definitions take precedence.
export const shims: Record<string, string | [string, number] | [string, number, string]> = {
  // Fractions, fonts and symbols from packages
  nicefrac: ['{}^{#1}\\!/\\!{}_{#2}', 2], // nicefrac
  unitfrac: ['#1\\,{}^{#2}\\!/\\!{}_{#3}', 3, ''], // units
  mathbbm: ['\\mathbb{#1}', 1], // bbm
  mathds: ['\\mathbb{#1}', 1], // dsfont
  bm: ['\\boldsymbol{#1}', 1], // bm
  textsc: ['\\text{#1}', 1], // no small capitals in MathJax's fonts
  llbracket: '[\\![', // stmaryrd
  rrbracket: ']\\!]',
  sslash: '/\\!\\!/',
  shortrightarrow: '\\rightarrow',
  vcentcolon: '\\mathrel{:}', // mathtools
  hdots: '\\ldots',
  operatornamewithlimits: ['\\operatorname*{#1}', 1], // pre-2000 amsmath
  accentset: ['\\overset{#1}{#2}', 2], // accents
  dag: '\\dagger', // text-and-math symbols MathJax has only under their math names
  ddag: '\\ddagger',
  slash: '/',
  colonequals: '\\coloneqq', // colonequals
  widebar: ['\\overline{#1}', 1], // mathabx
  textcircled: ['\\enclose{circle}{\\mathord{#1}}', 1],
  // amsmath's capital accents (for nesting accents): the same marks as the lower-case ones
  Hat: ['\\hat{#1}', 1],
  Check: ['\\check{#1}', 1],
  Tilde: ['\\tilde{#1}', 1],
  Acute: ['\\acute{#1}', 1],
  Grave: ['\\grave{#1}', 1],
  Dot: ['\\dot{#1}', 1],
  Ddot: ['\\ddot{#1}', 1],
  Breve: ['\\breve{#1}', 1],
  Bar: ['\\bar{#1}', 1],
  Vec: ['\\vec{#1}', 1],
  // Wrappers whose content is what matters
  ensuremath: ['#1', 1],
  hiderel: ['#1', 1], // breqn (dmath)
  tcboxmath: ['#1', 1], // tcolorbox: the frame is dropped
  mathsmaller: ['#1', 1], // relsize
  mathlarger: ['#1', 1],
  smaller: '',
  lefteqn: ['\\mathrlap{#1}', 1],
  scalebox: ['#2', 2], // graphicx: the scaling is dropped
  raisebox: ['#2', 2],
  intertext: ['\\text{#1}\\\\', 1], // amsmath: a text line between aligned rows
  shortintertext: ['\\text{#1}\\\\', 1], // mathtools
  // Layout and spacing commands without visible output at our scale
  xspace: '',
  nn: '', // the usual \nonumber shorthand (hep-th)
  displaybreak: ['', 1, ''],
  allowbreak: '',
  linebreak: ['', 1, ''],
  qedhere: '', // amsthm: the QED box goes where the equation number would, which is not drawn
  qed: '\\quad\\square', // amsthm's \qed in math: a quad, then the open box
  postdisplaypenalty: '',
  displaylimits: '',
  smallskip: '',
  medskip: '',
  bigskip: '',
  enskip: '\\enspace',
  relax: '',
  nobreak: '',
  allowdisplaybreaks: ['', 1, ''],
  setlength: ['', 2], // length and counter settings print nothing
  addtolength: ['', 2],
  setcounter: ['', 2],
  index: ['', 1], // makeidx: an index entry prints nothing
  noalign: ['', 1],
  vspace: ['', 1],
  sffamily: '',
  footnotesize: '',
  normalfont: '',
  upshape: '',
  begingroup: '', // TeX grouping: no output of its own
  endgroup: '',
  addtocounter: ['', 2],
  '*': '', // discretionary multiplication sign
  '-': '', // discretionary hyphen
};
