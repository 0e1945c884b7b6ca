# Image for the API, the one-shot migrate job and the trainer (compose picks the command).
FROM python:3.11-slim
WORKDIR /srv/profilegraph
ARG EXTRAS=""
COPY pyproject.toml README.md ./
COPY app ./app
COPY recmodel ./recmodel
COPY trainer ./trainer
COPY cypher ./cypher
COPY migrations ./migrations
RUN pip install --no-cache-dir -e ".${EXTRAS}"
ENV PROFILEGRAPH_API_HOST=0.0.0.0
EXPOSE 8000
CMD ["profilegraph", "serve"]
