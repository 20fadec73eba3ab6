// Read-aloud (読み上げ): the header's button reads the page's main content with the browser's own
// speech synthesis, in the page's language; pressed again, it stops. Without JavaScript or speech
// synthesis the button stays hidden, so nobody meets a control that does nothing.
// Long texts are spoken sentence by sentence: some browsers stop a single long utterance.
const SENTENCE = /[^。．！？!?.\n]+[。．！？!?.]?/g;

/** The main content as sentences, skipping what is hidden from everyone. */
export function sentencesOf(main) {
  const text = (main.innerText || main.textContent || '').replace(/\s+\n/g, '\n');
  return (text.match(SENTENCE) || []).map((s) => s.trim()).filter(Boolean);
}

export function initReadAloud(button) {
  const synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== 'function') return;
  const main = document.querySelector('main');
  if (!main) return;
  const lang = document.documentElement.lang === 'en' ? 'en-US' : 'ja-JP';
  const start = button.dataset.labelStart;
  const stop = button.dataset.labelStop;
  let reading = false;

  const show = (on) => {
    reading = on;
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.textContent = on ? stop : start;
  };

  button.hidden = false;
  show(false);
  button.addEventListener('click', () => {
    synth.cancel();
    if (reading) {
      show(false);
      return;
    }
    const sentences = sentencesOf(main);
    if (sentences.length === 0) return;
    const voice = synth.getVoices().find((v) => v.lang && v.lang.toLowerCase().startsWith(lang.slice(0, 2)));
    sentences.forEach((sentence, i) => {
      const utterance = new window.SpeechSynthesisUtterance(sentence);
      utterance.lang = lang;
      if (voice) utterance.voice = voice;
      if (i === sentences.length - 1) utterance.onend = () => show(false);
      utterance.onerror = () => show(false);
      synth.speak(utterance);
    });
    show(true);
  });
  // Leaving the page stops the voice.
  window.addEventListener('pagehide', () => synth.cancel());
}
